"""What a person's click or form submission looks like to the app, built from what is on screen.

Callers hold `Workspace.cond`.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .blocks_text import element_label
from .state import Channel, Ephemeral, Message, View, Workspace
from .validation import interactive_elements

CLICKABLE = frozenset({"button", "static_select", "overflow", "radio_buttons", "datepicker"})
SINGLE_OPTION = frozenset({"static_select", "overflow", "radio_buttons"})
TEXT_INPUTS = frozenset({"plain_text_input", "email_text_input", "url_text_input", "number_input"})
_INITIAL_KEYS = (
    "initial_value",
    "initial_date",
    "initial_time",
    "initial_user",
    "initial_users",
    "initial_conversation",
    "initial_channel",
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def person(ws: Workspace, user_id: str) -> dict:
    name = ws.user_name(user_id)
    return {"id": user_id, "username": name, "name": name, "team_id": ws.team_id}


def team(ws: Workspace) -> dict:
    return {"id": ws.team_id, "domain": ws.team_domain}


@dataclass
class Target:
    block: dict
    element: dict
    message: Message | None = None
    view: View | None = None
    ephemeral: Ephemeral | None = None


def find_clickable(
    ws: Workspace,
    user_id: str,
    action_id: str,
    *,
    channel_id: str | None,
    message_ts: str | None,
    view_id: str | None,
    value: Any,
    ephemeral: bool = False,
) -> Target:
    """The element a person would click: it must really be on a screen they can see."""
    wanted = f"action_id={action_id!r}" + ("" if value is None else f" and value={value!r}")
    if ephemeral:
        for shown in reversed(ws.ephemerals):
            if shown.user == user_id and (channel_id is None or shown.channel == channel_id):
                hit = _find(shown.blocks, action_id, value)
                if hit is not None:
                    return Target(*hit, ephemeral=shown)
        raise LookupError(f"no message only @{ws.user_name(user_id)} sees has an element with {wanted}")
    if view_id is not None:
        view = ws.open_view_of(view_id)
        if view is None or view.user != user_id:
            raise LookupError(f"@{ws.user_name(user_id)} has no open view {view_id}")
        hit = _find(view.view["blocks"], action_id, value)
        if hit is None:
            raise LookupError(
                f"no element with {wanted} in view {view_id}; clickable there: {_on_screen(view.view['blocks'])}"
            )
        return Target(*hit, view=view)
    channel = _channel_seen_by(ws, user_id, channel_id)
    if message_ts is not None:
        message = ws.find_message(channel.id, message_ts)
        if message is None:
            raise LookupError(f"no message {message_ts} in {ws.display_channel(channel.id)}")
        candidates = [message]
    else:
        candidates = list(reversed(channel.messages))
    for message in candidates:
        hit = _find(message.blocks, action_id, value)
        if hit is not None:
            return Target(*hit, message=message)
    newest = [_on_screen(m.blocks) for m in candidates[:5]]
    raise LookupError(
        f"no message in {ws.display_channel(channel.id)} has an element with {wanted}; "
        f"clickable in the newest messages: {newest}"
    )


def _channel_seen_by(ws: Workspace, user_id: str, channel_id: str | None) -> Channel:
    if channel_id is None:
        channel = ws.im_with(user_id)
        if channel is None:
            raise LookupError(f"@{ws.user_name(user_id)} has no DM with the bot yet")
        return channel
    channel = ws.channels.get(channel_id)
    if channel is None:
        raise LookupError(f"no conversation {channel_id}")
    if not ws.can_see(user_id, channel):
        raise LookupError(f"@{ws.user_name(user_id)} cannot see {ws.display_channel(channel_id)}")
    return channel


def _find(blocks: list[dict] | None, action_id: str, value: Any) -> tuple[dict, dict] | None:
    for block in blocks or []:
        if block.get("type") not in ("actions", "section"):
            continue
        for element in interactive_elements(block):
            if element.get("action_id") == action_id and _accepts(element, value):
                return block, element
    return None


def _accepts(element: dict, value: Any) -> bool:
    kind = element.get("type")
    if kind == "button":
        return value is None or element.get("value") == value
    if kind in SINGLE_OPTION:
        return value is not None and _option(element, value) is not None
    return kind in CLICKABLE and value is not None


def _on_screen(blocks: list[dict] | None) -> list[str]:
    shown = []
    for block in blocks or []:
        for element in interactive_elements(block):
            if element.get("type") in CLICKABLE and block.get("type") != "input":
                value = f"={element['value']!r}" if "value" in element else ""
                shown.append(f"{element.get('action_id')}{value}")
    return shown


def _options(element: dict) -> list[dict]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _option(element: dict, value: Any) -> dict | None:
    return next((copy.deepcopy(o) for o in _options(element) if o.get("value") == value), None)


def action_json(target: Target, value: Any) -> dict:
    element = target.element
    kind = element["type"]
    action: dict = {
        "type": kind,
        "action_id": element["action_id"],
        "block_id": target.block["block_id"],
        "action_ts": f"{time.time():.6f}",
    }
    if kind == "button":
        for key in ("text", "value", "style", "confirm", "url"):
            if key in element:
                action[key] = copy.deepcopy(element[key])
    elif kind in SINGLE_OPTION:
        action["selected_option"] = _option(element, value)
    else:
        action["selected_date"] = _checked_date(value)
        if "initial_date" in element:
            action["initial_date"] = element["initial_date"]
    return action


def describe_click(target: Target, value: Any, names: Mapping[str, str]) -> str:
    element = target.element
    label = element_label(element, names)
    if element["type"] == "button":
        return f"pressed {label}"
    if element["type"] in SINGLE_OPTION:
        chosen = (_option(element, value) or {}).get("text", {}).get("text", value)
        return f"chose '{chosen}' in {label}"
    return f"picked {value} in {label}"


def submission_state(view: dict, values: Mapping[str, Any] | None, names: Mapping[str, str]) -> tuple[dict, list[str]]:
    """`state.values` for a view_submission, and 'Label: value' lines for the transcript.

    Inputs not in `values` keep their initial value; a required input left empty is refused,
    because Slack's client would not send the form.
    """
    values = dict(values or {})
    inputs = [b for b in view["blocks"] if b.get("type") == "input"]
    unknown = sorted(set(values) - {b["block_id"] for b in inputs})
    if unknown:
        raise ValueError(
            f"view {view['id']} has no input block {unknown}; its inputs are {[b['block_id'] for b in inputs]}"
        )
    state: dict = {}
    shown: list[str] = []
    for block in inputs:
        element = block["element"]
        label = (block.get("label") or {}).get("text", block["block_id"])
        chosen = values[block["block_id"]] if block["block_id"] in values else _initial(element)
        try:
            entry, display = _state_entry(element, chosen, names)
        except ValueError as error:
            raise ValueError(f"'{label}' ({block['block_id']}): {error}") from error
        if not display and not block.get("optional"):
            raise ValueError(
                f"'{label}' ({block['block_id']}) is required; Slack would not let the form be submitted without it"
            )
        state[block["block_id"]] = {element["action_id"]: entry}
        if display:
            shown.append(f"{label}: {display}")
    return state, shown


def _initial(element: dict) -> Any:
    for key in _INITIAL_KEYS:
        if key in element:
            return element[key]
    if isinstance(element.get("initial_option"), dict):
        return element["initial_option"].get("value")
    if "initial_options" in element:
        return [o.get("value") for o in element["initial_options"]]
    return None


def _state_entry(element: dict, chosen: Any, names: Mapping[str, str]) -> tuple[dict, str]:
    """Slack's exact shape for one input's value, and how it reads."""
    kind = element.get("type")
    if kind in TEXT_INPUTS:
        if chosen is not None and not isinstance(chosen, str):
            raise ValueError(f"a {kind} takes a string, not {chosen!r}")
        _check_length(element, chosen or "")
        return {"type": kind, "value": chosen or None}, chosen or ""
    if kind == "datepicker":
        picked = None if chosen is None else _checked_date(chosen)
        return {"type": kind, "selected_date": picked}, picked or ""
    if kind == "timepicker":
        return {"type": kind, "selected_time": chosen}, chosen or ""
    if kind in ("static_select", "radio_buttons"):
        option = None if chosen is None else _required_option(element, chosen)
        return {"type": kind, "selected_option": option}, _option_text(option)
    if kind in ("multi_static_select", "checkboxes"):
        if isinstance(chosen, str):
            raise ValueError(f"a {kind} takes a list of option values")
        options = [_required_option(element, v) for v in chosen or []]
        return {"type": kind, "selected_options": options}, ", ".join(map(_option_text, options))
    if kind == "users_select":
        return {"type": kind, "selected_user": chosen}, f"@{names.get(chosen, chosen)}" if chosen else ""
    if kind == "multi_users_select":
        return (
            {"type": kind, "selected_users": list(chosen or [])},
            ", ".join(f"@{names.get(u, u)}" for u in chosen or []),
        )
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": chosen}, f"#{names.get(chosen, chosen)}" if chosen else ""
    if kind == "channels_select":
        return {"type": kind, "selected_channel": chosen}, f"#{names.get(chosen, chosen)}" if chosen else ""
    raise ValueError(f"the stand-in cannot fill in a {kind} element")


def _check_length(element: dict, text: str) -> None:
    if text and "max_length" in element and len(text) > element["max_length"]:
        raise ValueError(f"longer than max_length {element['max_length']}")
    if text and "min_length" in element and len(text) < element["min_length"]:
        raise ValueError(f"shorter than min_length {element['min_length']}")


def _checked_date(value: Any) -> str:
    try:
        if not isinstance(value, str) or not _DATE.match(value):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"dates are 'YYYY-MM-DD', not {value!r}") from None
    return value


def _required_option(element: dict, value: Any) -> dict:
    option = _option(element, value)
    if option is None:
        raise ValueError(f"{value!r} is not one of the options {[o.get('value') for o in _options(element)]}")
    return option


def _option_text(option: dict | None) -> str:
    return (option or {}).get("text", {}).get("text", "")

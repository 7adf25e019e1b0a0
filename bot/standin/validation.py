"""Slack's limits on what an app may send: channel names, Block Kit, views and message metadata.

Each check raises `Invalid(reason)`; the Web API turns it into the error Slack would return.
slack_sdk's own models are the first line of validation; the extra checks here cover what
Slack rejects but the models accept (unknown properties and element types, text given as a bare
string, a string where an array belongs, duplicate block ids, an input without a label).
"""

from __future__ import annotations

import copy
import re
from itertools import count

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View as SdkView

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 40_000
MAX_CHANNEL_NAME = 80
MAX_LABEL = 2000

_CHANNEL_NAME = re.compile(r"^[a-z0-9_-]+$")
_TEXT_KEYS = ("text", "label", "hint", "placeholder", "title", "submit", "close")
_TEXT_TYPES = ("plain_text", "mrkdwn")
# what slack_sdk knows plus what Slack adds when it stores a view, so a stored view can be re-sent
_VIEW_KEYS = frozenset(SdkView.attributes) | {"app_installed_team_id"}
_ARRAY_KEYS = ("fields", "elements", "options", "option_groups", "initial_options")
INTERACTIVE_TYPES = frozenset(
    {
        "button",
        "static_select",
        "multi_static_select",
        "external_select",
        "multi_external_select",
        "users_select",
        "multi_users_select",
        "conversations_select",
        "multi_conversations_select",
        "channels_select",
        "multi_channels_select",
        "overflow",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "checkboxes",
        "radio_buttons",
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "rich_text_input",
        "file_input",
    }
)


class Invalid(ValueError):
    pass


def channel_name_error(name: str) -> str | None:
    if not name:
        return "invalid_name_required"
    if len(name) > MAX_CHANNEL_NAME:
        return "invalid_name_maxlength"
    if not _CHANNEL_NAME.match(name):
        return "invalid_name_specials"
    return None


def check_metadata(metadata: object) -> None:
    if not isinstance(metadata, dict):
        raise Invalid("metadata must be an object")
    if not isinstance(metadata.get("event_type"), str) or not metadata["event_type"]:
        raise Invalid("metadata.event_type must be a non-empty string")
    if not isinstance(metadata.get("event_payload"), dict):
        raise Invalid("metadata.event_payload must be an object")


def check_blocks(blocks: object, *, limit: int = MAX_MESSAGE_BLOCKS) -> None:
    if not isinstance(blocks, list):
        raise Invalid("blocks must be an array")
    if len(blocks) > limit:
        raise Invalid(f"no more than {limit} items allowed [json-pointer:/blocks]")
    block_ids: set[str] = set()
    for index, raw in enumerate(blocks):
        where = f"[json-pointer:/blocks/{index}]"
        if not isinstance(raw, dict):
            raise Invalid(f"expected an object {where}")
        _check_arrays(raw, where)
        try:
            block = Block.parse(raw)
            if block is None:
                raise Invalid(f"unsupported type: {raw.get('type')!r} {where}")
            block.to_dict()
        except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as error:
            raise Invalid(f"{error} {where}") from error
        unknown = sorted(set(raw) - set(block.attributes))
        if unknown:
            raise Invalid(f"unknown properties {unknown} {where}")
        _check_elements(raw, where)
        _check_text_objects(raw, where)
        block_id = raw.get("block_id")
        if block_id is not None:
            if block_id in block_ids:
                raise Invalid(f"duplicate block_id {block_id!r} {where}")
            block_ids.add(block_id)
        if raw["type"] == "input":
            _check_input(raw, where)
        if raw["type"] == "header" and (raw.get("text") or {}).get("type") != "plain_text":
            raise Invalid(f"header text must be plain_text {where}")


def _check_arrays(node: object, where: str) -> None:
    """slack_sdk iterates whatever it is given; Slack wants arrays here."""
    if isinstance(node, list):
        for item in node:
            _check_arrays(item, where)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _ARRAY_KEYS and not isinstance(value, list):
                raise Invalid(f"{key} must be an array {where}")
            _check_arrays(value, where)


def _check_elements(raw: dict, where: str) -> None:
    elements = list(raw.get("elements") or []) if raw["type"] == "actions" else []
    for key in ("accessory", "element"):
        if key in raw:
            elements.append(raw[key])
    action_ids: set[str] = set()
    for element in elements:
        if not isinstance(element, dict):
            raise Invalid(f"expected an element object {where}")
        kind = element.get("type")
        if kind not in INTERACTIVE_TYPES and kind != "image":
            raise Invalid(f"unsupported element type: {kind!r} {where}")
        action_id = element.get("action_id")
        if action_id is not None:
            if action_id in action_ids:
                raise Invalid(f"duplicate action_id {action_id!r} {where}")
            action_ids.add(action_id)


def _check_text_objects(node: object, where: str) -> None:
    """Slack wants text objects where slack_sdk quietly accepts bare strings."""
    if isinstance(node, list):
        for item in node:
            _check_text_objects(item, where)
        return
    if not isinstance(node, dict) or node.get("type") == "rich_text":
        return
    if node.get("type") not in _TEXT_TYPES:
        for key in _TEXT_KEYS:
            if isinstance(node.get(key), str):
                raise Invalid(f"{key} must be a text object, not a string {where}")
    for value in node.values():
        _check_text_objects(value, where)


def _check_input(raw: dict, where: str) -> None:
    label = raw.get("label")
    if not isinstance(label, dict) or not label.get("text"):
        raise Invalid(f"input blocks need a label {where}")
    if len(label["text"]) > MAX_LABEL:
        raise Invalid(f"label must be no more than {MAX_LABEL} characters {where}")
    if not isinstance(raw.get("element"), dict):
        raise Invalid(f"input blocks need an element {where}")


def check_view(view: object, *, kind: str) -> None:
    """Check a modal or Home tab view the way views.open/update/push/publish do."""
    if not isinstance(view, dict):
        raise Invalid("view must be an object")
    if view.get("type") != kind:
        raise Invalid(f"view type must be {kind!r} [json-pointer:/view/type]")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        raise Invalid("a view needs at least one block [json-pointer:/view/blocks]")
    try:
        check_blocks(blocks, limit=MAX_VIEW_BLOCKS)
    except Invalid as error:
        raise Invalid(str(error).replace("json-pointer:/", "json-pointer:/view/")) from error
    if kind == "modal":
        if not isinstance(view.get("title"), dict):
            raise Invalid("a modal needs a plain_text title [json-pointer:/view/title]")
        for key in ("submit", "close"):
            if view.get(key) is not None and not isinstance(view[key], dict):
                raise Invalid(f"{key} must be a plain_text object [json-pointer:/view/{key}]")
        if any(b["type"] == "input" for b in blocks) and not view.get("submit"):
            raise Invalid("a modal with input blocks needs a submit button [json-pointer:/view/submit]")
    unknown = sorted(set(view) - _VIEW_KEYS)
    if unknown:
        raise Invalid(f"unknown properties {unknown} [json-pointer:/view]")
    try:
        SdkView(**view).to_dict()
    except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as error:
        raise Invalid(str(error)) from error


def with_ids(blocks: list[dict], ids: count) -> list[dict]:
    """A copy with every block_id and action_id filled in, as Slack stores blocks."""
    stored = copy.deepcopy(blocks)
    for block in stored:
        block.setdefault("block_id", f"blk{next(ids)}")
        for element in interactive_elements(block):
            element.setdefault("action_id", f"act{next(ids)}")
    return stored


def interactive_elements(block: dict) -> list[dict]:
    found = list(block.get("elements") or []) if block.get("type") == "actions" else []
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            found.append(block[key])
    return [e for e in found if isinstance(e, dict) and e.get("type") in INTERACTIVE_TYPES]

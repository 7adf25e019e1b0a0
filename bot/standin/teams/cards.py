"""What is on an Adaptive Card that a person can press or fill in, and what Teams' client sends
when they do: the action's data merged with the inputs' values, each checked as the client checks
it before sending (required inputs, choices, dates, numbers, lengths, patterns).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any

_MENTION = re.compile(r"<at>.*?</at>", re.DOTALL)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}$")
_ITEM_KEYS = ("body", "items", "columns", "cells", "rows")


@dataclass
class Button:
    action: dict
    cards: list[dict]  # the card holding the action, after each Action.ShowCard above it

    @property
    def title(self) -> str:
        return str(self.action.get("title", ""))

    @property
    def kind(self) -> str:
        return str(self.action.get("type", ""))

    def opens_dialog(self) -> bool:
        data = self.action.get("data")
        return (
            self.kind == "Action.Submit"
            and isinstance(data, dict)
            and (data.get("msteams") or {}).get("type") == "task/fetch"
        )


def buttons(card: dict) -> list[Button]:
    """Every enabled action a person can press, including those inside an Action.ShowCard."""
    found: list[Button] = []
    _collect_buttons(card, [card], found)
    return found


def _collect_buttons(node: Any, cards: list[dict], found: list[Button]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect_buttons(item, cards, found)
        return
    if not isinstance(node, dict) or node.get("isVisible") is False:
        return
    if isinstance(node.get("type"), str) and node["type"].startswith("Action."):
        if node.get("isEnabled") is not False:
            found.append(Button(node, cards))
        if node["type"] == "Action.ShowCard" and isinstance(node.get("card"), dict):
            _collect_buttons(node["card"], [*cards, node["card"]], found)
        return
    for key in (*_ITEM_KEYS, "actions"):
        _collect_buttons(node.get(key), cards, found)


def inputs(card: dict) -> list[dict]:
    """The Input.* elements of one card, not those inside its Action.ShowCard cards."""
    found: list[dict] = []
    _collect_inputs(card, found)
    return found


def _collect_inputs(node: Any, found: list[dict]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect_inputs(item, found)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("type"), str) and node["type"].startswith("Input."):
        found.append(node)
        return
    for key in _ITEM_KEYS:  # not "actions": the inputs of an Action.ShowCard's card are that card's
        _collect_inputs(node.get(key), found)


def find_button(cards: list[dict], title: str) -> Button | None:
    return next((b for card in cards for b in buttons(card) if b.title == title), None)


def pressed_data(button: Button, values: Mapping[str, Any] | None) -> tuple[Any, list[str]]:
    """The data Teams sends for a press: the action's data merged with the associated inputs'
    values (those of its card and of the cards it was shown from), and 'Label: value' lines."""
    fields = [i for card in button.cards for i in inputs(card)]
    if button.action.get("associatedInputs") == "none":
        fields = []
    gathered, shown = input_values(fields, values)
    data = button.action.get("data")
    if isinstance(data, dict) or data is None:
        return {**(data or {}), **gathered}, shown
    return data, shown  # a string's data is sent as it is, without inputs


def input_values(fields: list[dict], values: Mapping[str, Any] | None) -> tuple[dict[str, str], list[str]]:
    """Each input's value as the client sends it (always a string), checked as the client checks."""
    values = dict(values or {})
    ids = [f.get("id") for f in fields]
    unknown = sorted(set(values) - set(ids))
    if unknown:
        raise ValueError(f"no input {unknown} on the card; its inputs are {ids}")
    gathered: dict[str, str] = {}
    shown: list[str] = []
    for field in fields:
        label = field.get("label") or field["id"]
        given = values[field["id"]] if field["id"] in values else field.get("value")
        try:
            value = _checked(field, given)
        except ValueError as error:
            raise ValueError(f"'{label}' ({field['id']}): {error}") from error
        gathered[field["id"]] = value
        if value:
            shown.append(f"{label}: {value}")
    return gathered, shown


def _checked(field: dict, given: Any) -> str:
    kind = field.get("type")
    if kind == "Input.Toggle":
        on, off = field.get("valueOn", "true"), field.get("valueOff", "false")
        value = on if given is True else off if given in (None, False) else given
        if value not in (on, off):
            raise ValueError(f"a toggle is {on!r} or {off!r}, not {given!r}")
        if field.get("isRequired") and value != on:
            raise ValueError("is required; the client would not send the card without it")
        return value
    if isinstance(given, list | tuple) and kind == "Input.ChoiceSet" and field.get("isMultiSelect"):
        given = ",".join(given)
    if given is None:
        given = ""
    if not isinstance(given, str):
        raise ValueError(f"the client sends strings, not {given!r}")
    if not given:
        if field.get("isRequired"):
            raise ValueError("is required; the client would not send the card without it")
        return ""
    if kind == "Input.Text":
        _check_text(field, given)
    elif kind == "Input.ChoiceSet":
        choices = [c.get("value") for c in field.get("choices") or []]
        chosen = given.split(",") if field.get("isMultiSelect") else [given]
        wrong = [c for c in chosen if c not in choices]
        if wrong:
            raise ValueError(f"{wrong} not among the choices {choices}")
    elif kind == "Input.Date":
        _check_range(field, _parsed(given, _DATE, date.fromisoformat, "YYYY-MM-DD"), date.fromisoformat)
    elif kind == "Input.Time":
        _check_range(field, _parsed(given, _TIME, time.fromisoformat, "HH:MM"), time.fromisoformat)
    elif kind == "Input.Number":
        try:
            number = float(given)
        except ValueError:
            raise ValueError(f"{given!r} is not a number") from None
        _check_range(field, number, float)
    return given


def _check_text(field: dict, text: str) -> None:
    if "maxLength" in field and len(text) > field["maxLength"]:
        raise ValueError(f"longer than maxLength {field['maxLength']}")
    if field.get("regex") and not re.fullmatch(field["regex"], text):
        raise ValueError(f"does not match the pattern {field['regex']!r}")


def _parsed(text: str, shape: re.Pattern, parse: Any, spelled: str) -> Any:
    try:
        if not shape.match(text):
            raise ValueError
        return parse(text)
    except ValueError:
        raise ValueError(f"is {spelled}, not {text!r}") from None


def _check_range(field: dict, value: Any, parse: Any) -> None:
    low, high = field.get("min"), field.get("max")
    if low is not None and value < parse(str(low)):
        raise ValueError(f"is before the minimum {low}")
    if high is not None and value > parse(str(high)):
        raise ValueError(f"is after the maximum {high}")


# mentions


def mention_problem(text: str, entities: list, members: Mapping[str, str]) -> str | None:
    """Why the mentions in `text` are not what Teams can show, or None. Each `<at>…</at>` needs
    a mention entity with that text, and each mention entity must name a member, given as
    `members` (every id a member is known by, to the member's name)."""
    mentions = [e for e in entities if isinstance(e, dict) and e.get("type") == "mention"]
    by_text = {m.get("text"): m for m in mentions}
    for tag in _MENTION.findall(text):
        if tag not in by_text:
            return f"{tag} in the text has no mention entity"
    for mention in mentions:
        if mention.get("text") not in text:
            return f"the mention entity {mention.get('text')!r} is not in the text"
        mentioned = mention.get("mentioned") or {}
        if mentioned.get("id") not in members:
            return f"{mention.get('text')!r} mentions {mentioned.get('id')!r}, who is not in the conversation"
    return None

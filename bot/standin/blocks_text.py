"""Block Kit flattened to the text a person would read on screen, for transcripts and asserts."""

from __future__ import annotations

import re
from collections.abc import Mapping

_LINK = re.compile(r"<([^<>]*)>")


def flatten(blocks: list[dict] | None, fallback_text: str = "", *, names: Mapping[str, str] | None = None) -> str:
    """One line per piece of visible text; buttons and pickers appear as `[Label]`.

    Without blocks, Slack shows the message's `text`, so that is what comes back.
    """
    names = names or {}
    if not blocks:
        return mrkdwn_to_plain(fallback_text or "", names)
    lines: list[str] = []
    for block in blocks:
        lines.extend(_block_lines(block, names))
    return "\n".join(line for line in lines if line)


def mrkdwn_to_plain(text: str, names: Mapping[str, str]) -> str:
    """Resolve Slack's angle-bracket references and undo its three HTML escapes."""

    def reference(match: re.Match) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (label or names.get(target[1:], target[1:]))
        if target.startswith("#"):
            return "#" + (label or names.get(target[1:], target[1:]))
        if target.startswith("!subteam^"):
            return label or "@group"
        if target.startswith("!date^"):
            return label
        if target.startswith("!"):
            return "@" + target[1:]
        return label or target

    plain = _LINK.sub(reference, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: object, names: Mapping[str, str]) -> str:
    if not isinstance(obj, dict):
        return ""
    text = obj.get("text") or ""
    return mrkdwn_to_plain(text, names) if obj.get("type") == "mrkdwn" else text


def _block_lines(block: dict, names: Mapping[str, str]) -> list[str]:
    kind = block.get("type")
    if kind in ("header", "section"):
        lines = [_text(block.get("text"), names)]
        lines += [_text(f, names) for f in block.get("fields") or []]
        if block.get("accessory"):
            lines.append(element_label(block["accessory"], names))
        return lines
    if kind == "context":
        parts = [
            _text(e, names) if e.get("type") != "image" else f"[image: {e.get('alt_text', '')}]"
            for e in block.get("elements") or []
        ]
        return [" ".join(p for p in parts if p)]
    if kind == "actions":
        return [" ".join(element_label(e, names) for e in block.get("elements") or [])]
    if kind == "input":
        label = _text(block.get("label"), names)
        shown = element_label(block.get("element") or {}, names)
        return [f"{label}: {shown}"]
    if kind == "divider":
        return ["---"]
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    if kind == "rich_text":
        return [_rich_text(e, names) for e in block.get("elements") or []]
    return []


def element_label(element: dict, names: Mapping[str, str]) -> str:
    """How an interactive element looks: its label, chosen value or placeholder in brackets."""
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(element.get('text'), names)}]"
    if kind == "datepicker":
        return f"[{element.get('initial_date') or _text(element.get('placeholder'), names) or 'date'}]"
    if element.get("initial_value"):
        return f"[{element['initial_value']}]"
    if isinstance(element.get("initial_option"), dict):
        return f"[{_text(element['initial_option'].get('text'), names)}]"
    if kind == "overflow":
        return "[...]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    return f"[{_text(element.get('placeholder'), names) or ' '}]"


def _rich_text(element: dict, names: Mapping[str, str]) -> str:
    kind = element.get("type")
    if kind == "rich_text_list":
        return "\n".join("• " + _rich_text(item, names) for item in element.get("elements") or [])
    text = "".join(_rich_piece(piece, names) for piece in element.get("elements") or [])
    return "> " + text if kind == "rich_text_quote" else text


def _rich_piece(piece: dict, names: Mapping[str, str]) -> str:
    kind = piece.get("type")
    if kind in ("text", "link"):
        return piece.get("text") or piece.get("url", "")
    if kind == "user":
        return "@" + names.get(piece.get("user_id", ""), piece.get("user_id", ""))
    if kind == "channel":
        return "#" + names.get(piece.get("channel_id", ""), piece.get("channel_id", ""))
    if kind == "emoji":
        return f":{piece.get('name', '')}:"
    if kind == "broadcast":
        return "@" + piece.get("range", "")
    return ""

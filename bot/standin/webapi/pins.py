"""pins.* methods."""

from __future__ import annotations

from ..errors import SlackError
from ..state import Workspace
from .params import text, writable_conversation


def add(ws: Workspace, p: dict) -> dict:
    channel = writable_conversation(ws, p.get("channel"))
    ts = text(p.get("timestamp"))
    if not ts:
        raise SlackError("no_item_specified")
    message = ws.find_message(channel.id, ts)
    if message is None:
        raise SlackError("message_not_found")
    if ts in channel.pins:
        raise SlackError("already_pinned")
    channel.pins.add(ts)
    first_line = ws.readable(message.blocks, message.text).split("\n", 1)[0]
    ws.record("pin", ws.display_channel(channel.id), ws.bot_name, f"pinned: {first_line}")
    return {}


METHODS = {"pins.add": add}

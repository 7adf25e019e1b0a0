"""chat.* methods."""

from __future__ import annotations

from ..errors import SlackError
from ..shapes import message_json
from ..state import Channel, Ephemeral, Message, Workspace
from .params import content, conversation, metadata, text, writable_conversation


def post_message(ws: Workspace, p: dict) -> dict:
    body, blocks = content(p)
    checked_metadata = metadata(p)
    channel = _destination(ws, p.get("channel"))
    message = ws.post(
        channel, body or "", blocks, metadata=checked_metadata, thread_ts=text(p.get("thread_ts")) or None
    )
    ws.record(
        "dm" if channel.is_im else "post",
        ws.display_channel(channel.id),
        ws.bot_name,
        ws.readable(message.blocks, message.text),
    )
    return {"channel": channel.id, "ts": message.ts, "message": message_json(ws, message)}


def update(ws: Workspace, p: dict) -> dict:
    """Arguments left out keep their old value; `blocks: []` removes the blocks."""
    channel = conversation(ws, p.get("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    message = _own_message(ws, channel, p.get("ts"), "cant_update_message")
    body, blocks = content(p)
    new_metadata = metadata(p)
    message.replace(
        message.text if body is None else body,
        message.blocks if blocks is None else ws.stored_blocks(blocks),
        ws.next_ts(),
    )
    if new_metadata is not None:
        message.metadata = new_metadata
    ws.record("update", ws.display_channel(channel.id), ws.bot_name, ws.readable(message.blocks, message.text))
    return {"channel": channel.id, "ts": message.ts, "text": message.text, "message": message_json(ws, message)}


def post_ephemeral(ws: Workspace, p: dict) -> dict:
    channel = _destination(ws, p.get("channel"))
    user_id = text(p.get("user"))
    if user_id not in ws.users:
        raise SlackError("user_not_found")
    if user_id not in channel.members:
        raise SlackError("user_not_in_channel")
    body, blocks = content(p)
    ephemeral = Ephemeral(channel.id, user_id, body or "", ws.stored_blocks(blocks), ws.next_ts())
    ws.ephemerals.append(ephemeral)
    ws.record(
        "ephemeral",
        ws.display_channel(channel.id),
        ws.bot_name,
        f"(only @{ws.user_name(user_id)} sees this) " + ws.readable(ephemeral.blocks, ephemeral.text),
    )
    return {"message_ts": ephemeral.ts}


def delete(ws: Workspace, p: dict) -> dict:
    channel = conversation(ws, p.get("channel"))
    message = _own_message(ws, channel, p.get("ts"), "cant_delete_message")
    channel.messages.remove(message)
    channel.pins.discard(message.ts)
    return {"channel": channel.id, "ts": message.ts}


def _destination(ws: Workspace, channel_id: object) -> Channel:
    """A channel, an IM, or a user id, which means the IM with that user."""
    target = text(channel_id)
    if target in ws.users and target not in ws.channels and target != ws.bot_user_id:
        return ws.open_im(target)
    return writable_conversation(ws, target)


def _own_message(ws: Workspace, channel: Channel, ts: object, refusal: str) -> Message:
    message = ws.find_message(channel.id, text(ts))
    if message is None:
        raise SlackError("message_not_found")
    if message.user != ws.bot_user_id:
        raise SlackError(refusal)
    return message


METHODS = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.postEphemeral": post_ephemeral,
    "chat.delete": delete,
}

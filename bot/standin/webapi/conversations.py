"""conversations.* methods."""

from __future__ import annotations

from decimal import Decimal

from ..errors import SlackError
from ..shapes import conversation_json, message_json
from ..state import Channel, Workspace
from ..validation import channel_name_error
from .params import (
    conversation,
    flag,
    paginate,
    require_bot_member,
    text,
    timestamp,
    user_ids,
    visible_conversation,
    writable_conversation,
)

MAX_TOPIC = 250


def create(ws: Workspace, p: dict) -> dict:
    name = text(p.get("name"))
    error = channel_name_error(name)
    if error:
        raise SlackError(error)
    if any(c.name == name for c in ws.channels.values() if not c.is_im):
        raise SlackError("name_taken")
    private = flag(p.get("is_private"))
    channel = Channel(ws.new_id("C"), name, is_private=private, creator=ws.bot_user_id, members={ws.bot_user_id})
    ws.channels[channel.id] = channel
    ws.record("channel_created", f"#{name}", ws.bot_name, f"created #{name}" + (" (private)" if private else ""))
    return {"channel": conversation_json(ws, channel)}


def invite(ws: Workspace, p: dict) -> dict:
    """Without `force` one bad user fails the call; with it the good ones still get in."""
    channel = conversation(ws, p.get("channel"))
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("is_archived")
    require_bot_member(ws, channel)
    users = user_ids(p.get("users"))
    if not users:
        raise SlackError("no_user")
    invited, errors = [], []
    for user_id in users:
        problem = _invite_problem(ws, channel, user_id)
        if problem:
            errors.append({"user": user_id, "ok": False, "error": problem})
        else:
            invited.append(user_id)
    if errors and (not flag(p.get("force")) or not invited):
        raise SlackError(errors[0]["error"], errors=errors)
    channel.members.update(invited)
    ws.record(
        "invite",
        ws.display_channel(channel.id),
        ws.bot_name,
        "invited " + ", ".join(f"@{ws.user_name(u)}" for u in invited),
    )
    result = {"channel": conversation_json(ws, channel)}
    if errors:
        result["errors"] = errors
    return result


def _invite_problem(ws: Workspace, channel: Channel, user_id: str) -> str | None:
    if user_id not in ws.users:
        return "user_not_found"
    if user_id == ws.bot_user_id:
        return "cant_invite_self"
    if user_id in channel.members:
        return "already_in_channel"
    return None


def open_(ws: Workspace, p: dict) -> dict:
    if p.get("channel"):
        channel = conversation(ws, p["channel"])
        if not channel.is_im:
            raise SlackError("channel_not_found")
        existing = True
    else:
        users = user_ids(p.get("users"))
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > 1:
            raise SlackError(
                "invalid_arguments", messages=["[ERROR] group DMs are not simulated; open one user at a time"]
            )
        user_id = users[0]
        if user_id not in ws.users:
            raise SlackError("user_not_found")
        if user_id == ws.bot_user_id:
            raise SlackError("cannot_dm_bot")
        existing = ws.im_with(user_id) is not None
        channel = ws.open_im(user_id)
    shaped = conversation_json(ws, channel) if flag(p.get("return_im")) else {"id": channel.id}
    result: dict = {"channel": shaped}
    if existing:
        result.update(no_op=True, already_open=True)
    return result


def history(ws: Workspace, p: dict) -> dict:
    """Newest first, thread replies left out, metadata only when asked for."""
    channel = conversation(ws, p.get("channel"))
    if channel.is_private:
        require_bot_member(ws, channel)
    oldest = timestamp(p.get("oldest"), "invalid_ts_oldest")
    latest = timestamp(p.get("latest"), "invalid_ts_latest")
    inclusive = flag(p.get("inclusive"))

    def in_range(ts: str) -> bool:
        value = Decimal(ts)
        after = oldest is None or value > oldest or (inclusive and value == oldest)
        before = latest is None or value < latest or (inclusive and value == latest)
        return after and before

    shown = [m for m in reversed(channel.messages) if (not m.thread_ts or m.thread_ts == m.ts) and in_range(m.ts)]
    page, cursor = paginate(shown, p, max_limit=999)
    with_metadata = flag(p.get("include_all_metadata"))
    return {
        "messages": [message_json(ws, m, with_metadata=with_metadata) for m in page],
        "has_more": bool(cursor),
        "pin_count": len(channel.pins),
        "response_metadata": {"next_cursor": cursor},
    }


def info(ws: Workspace, p: dict) -> dict:
    channel = visible_conversation(ws, p.get("channel"))
    return {"channel": conversation_json(ws, channel, num_members=flag(p.get("include_num_members")))}


def list_(ws: Workspace, p: dict) -> dict:
    types = set(text(p.get("types") or "public_channel").split(","))
    exclude_archived = flag(p.get("exclude_archived"))

    def listed(channel: Channel) -> bool:
        if exclude_archived and channel.is_archived:
            return False
        if channel.is_im:
            return "im" in types
        if channel.is_private:
            return "private_channel" in types and ws.bot_user_id in channel.members
        return "public_channel" in types

    page, cursor = paginate([c for c in ws.channels.values() if listed(c)], p)
    return {"channels": [conversation_json(ws, c) for c in page], "response_metadata": {"next_cursor": cursor}}


def members(ws: Workspace, p: dict) -> dict:
    channel = visible_conversation(ws, p.get("channel"))
    page, cursor = paginate(sorted(channel.members), p)
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


def set_topic(ws: Workspace, p: dict) -> dict:
    channel = writable_conversation(ws, p.get("channel"))
    topic = text(p.get("topic"))
    if len(topic) > MAX_TOPIC:
        raise SlackError("too_long")
    channel.topic = topic
    ws.record("topic", ws.display_channel(channel.id), ws.bot_name, topic)
    return {"channel": conversation_json(ws, channel)}


def archive(ws: Workspace, p: dict) -> dict:
    channel = conversation(ws, p.get("channel"))
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("already_archived")
    require_bot_member(ws, channel)
    channel.is_archived = True
    ws.record("archive", ws.display_channel(channel.id), ws.bot_name, f"archived {ws.display_channel(channel.id)}")
    return {}


METHODS = {
    "conversations.archive": archive,
    "conversations.create": create,
    "conversations.invite": invite,
    "conversations.open": open_,
    "conversations.history": history,
    "conversations.info": info,
    "conversations.list": list_,
    "conversations.members": members,
    "conversations.setTopic": set_topic,
}

"""The JSON shapes Slack uses for users, conversations and messages."""

from __future__ import annotations

import copy

from .state import Channel, File, Message, User, Workspace


def user_json(ws: Workspace, user: User) -> dict:
    return {
        "id": user.id,
        "team_id": ws.team_id,
        "name": user.name,
        "real_name": user.name,
        "profile": {"real_name": user.name, "display_name": user.name},
        "is_bot": user.is_bot,
        "deleted": False,
        "tz": "Europe/London",
    }


def conversation_json(ws: Workspace, channel: Channel, *, num_members: bool = False) -> dict:
    if channel.is_im:
        return {
            "id": channel.id,
            "created": channel.created,
            "is_im": True,
            "is_org_shared": False,
            "user": channel.im_user,
            "is_user_deleted": False,
            "priority": 0,
        }
    shaped = {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "is_archived": channel.is_archived,
        "is_general": False,
        "created": channel.created,
        "creator": channel.creator,
        "is_member": ws.bot_user_id in channel.members,
        "topic": {"value": channel.topic, "creator": "", "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0},
    }
    if num_members:
        shaped["num_members"] = len(channel.members)
    return shaped


def message_json(ws: Workspace, message: Message, *, with_metadata: bool = False) -> dict:
    shaped: dict = {"type": "message", "user": message.user, "text": message.text, "ts": message.ts, "team": ws.team_id}
    if message.user == ws.bot_user_id:
        shaped.update(bot_id=ws.bot_id, app_id=ws.app_id)
    if message.blocks is not None:
        shaped["blocks"] = copy.deepcopy(message.blocks)
    if message.thread_ts:
        shaped["thread_ts"] = message.thread_ts
    if message.edited_ts:
        shaped["edited"] = {"user": message.user, "ts": message.edited_ts}
    if with_metadata and message.metadata is not None:
        shaped["metadata"] = copy.deepcopy(message.metadata)
    if message.files:
        shaped["files"] = [file_json(ws, ws.files[file_id]) for file_id in message.files]
    return shaped


def file_json(ws: Workspace, file: File) -> dict:
    shaped = {
        "id": file.id,
        "created": file.created,
        "timestamp": file.created,
        "name": file.name,
        "title": file.title or file.name,
        "mimetype": file.mimetype,
        "filetype": file.name.rpartition(".")[2].lower() if "." in file.name else "binary",
        "user": ws.bot_user_id,
        "size": len(file.content or b""),
        "mode": "hosted",
        "is_external": False,
        "is_public": False,
        "url_private": f"{ws.base_url}files/{file.id}/{file.name}",
    }
    if file.alt_txt:
        shaped["alt_txt"] = file.alt_txt
    channel = ws.channels.get(file.shared_in or "")
    if channel is not None:
        shaped["ims" if channel.is_im else "groups" if channel.is_private else "channels"] = [channel.id]
    return shaped

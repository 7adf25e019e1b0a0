"""Graph's channels of a team: create a private channel with its owners, read it, add members,
archive it, and list its messages (top-level posts, newest first)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import quote

from ..errors import bad_request, not_found
from ..routes import Answer, Request, route
from ..state import CHANNEL, Conversation, Team
from .common import (
    add_member,
    body_object,
    bound_member,
    member_json,
    message_json,
    newest_first,
    paged,
    require_role,
    stamp,
)

MAX_NAME = 50
# Characters Teams does not allow in a channel name.
_BAD_NAME = re.compile(r"[~#%&*{}+/\\:<>?|'\",]|\.\.|^[_.]|\.$")


def create_channel(request: Request) -> Answer:
    require_role(request, "Channel.Create")
    tenant, team = request.tenant, _team(request)
    body = body_object(request, {"displayName", "description", "membershipType", "members"})
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or _BAD_NAME.search(name):
        raise bad_request(
            f"displayName must be 1 to {MAX_NAME} characters, none of ~ # % & * {{ }} + / \\ : < > ? | ' \" ,"
        )
    if any(c.topic.lower() == name.lower() for c in _channels(request, team)):
        raise bad_request("Channel name already existed, please use other name.", "NameAlreadyExists")
    kind = body.get("membershipType", "standard")
    if kind not in ("standard", "private"):
        raise bad_request(f"membershipType {kind!r}: the stand-in plays 'standard' and 'private' channels.")
    members: dict[str, list[str]] = {oid: ["owner"] if oid in team.owners else [] for oid in team.members}
    if kind == "private":
        bound = [bound_member(tenant, m) for m in body.get("members") or []]
        outside = [u.name for u, _ in bound if u.object_id not in team.members]
        if outside:
            raise bad_request(f"Members of a private channel must be members of the team: {', '.join(outside)}.")
        # With application permissions, a private channel is created with at least one owner.
        if not any(roles == ["owner"] for _, roles in bound):
            raise bad_request("A private channel created with application permissions needs an owner in members.")
        members = {u.object_id: roles for u, roles in bound}
    elif body.get("members"):
        raise bad_request("members can only be given for a private channel.")
    channel = tenant.new_conversation(
        CHANNEL,
        tenant.thread_id("tacv2"),
        members,
        topic=name,
        team_id=team.group_id,
        membership_type=kind,
        description=str(body.get("description") or ""),
    )
    shown = ", ".join(f"@{tenant.name_of(oid)}" for oid in members)
    tenant.record("channel", tenant.where(channel), tenant.bot_name, f"created ({kind}) with {shown}")
    return Answer(201, channel_json(request, team, channel))


def get_channel(request: Request) -> Answer:
    require_role(request, "Channel.ReadBasic.All", "ChannelSettings.Read.All", "ChannelSettings.ReadWrite.All")
    team = _team(request)
    return Answer(200, channel_json(request, team, _channel(request, team)))


def list_members(request: Request) -> Answer:
    require_role(request, "ChannelMember.Read.All", "ChannelMember.ReadWrite.All")
    channel = _channel(request, _team(request))
    return Answer(200, {"value": [member_json(request.tenant, m) for m in channel.members.values()]})


def add_channel_member(request: Request) -> Answer:
    require_role(request, "ChannelMember.ReadWrite.All")
    tenant, team = request.tenant, _team(request)
    channel = _channel(request, team)
    if channel.membership_type != "private":
        raise bad_request("Members can only be added to a private channel.")
    user, membership = add_member(request, channel, team.members)
    tenant.record("channel", tenant.where(channel), tenant.bot_name, f"added @{user.name}")
    return Answer(201, member_json(tenant, membership))


def archive_channel(request: Request) -> Answer:
    require_role(request, "ChannelSettings.ReadWrite.All")
    tenant, team = request.tenant, _team(request)
    channel = _channel(request, team)
    if channel.id == team.general_channel:
        raise bad_request("The General channel cannot be archived.")
    # Assumption: archiving an archived channel is accepted again, so a retry is harmless.
    if not channel.archived:
        channel.archived = True
        tenant.record("channel", tenant.where(channel), tenant.bot_name, "archived")
    operation = f"/teams('{team.group_id}')/operations('{secrets.token_hex(8)}')"
    return Answer(202, None, {"Location": operation})


def list_messages(request: Request) -> Answer:
    require_role(request, "ChannelMessage.Read.All")
    tenant, team = request.tenant, _team(request)
    channel = _channel(request, team)
    where = {"chatId": None, "channelIdentity": {"teamId": team.group_id, "channelId": channel.id}}
    posts = [message_json(tenant, a, where) for a in newest_first(channel.activities) if a.reply_to_id is None]
    return paged(request, posts, f"/teams/{team.group_id}/channels/{quote(channel.id)}/messages")


def channel_json(request: Request, team: Team, channel: Conversation) -> dict:
    return {
        "id": channel.id,
        "createdDateTime": stamp(channel.created),
        "displayName": channel.topic,
        "description": channel.description or None,
        "isArchived": channel.archived,
        "membershipType": channel.membership_type,
        "tenantId": request.tenant.tenant_id,
        "email": "",
        "webUrl": f"https://teams.microsoft.com/l/channel/{quote(channel.id)}/{quote(channel.topic)}"
        f"?groupId={team.group_id}&tenantId={request.tenant.tenant_id}",
    }


def _team(request: Request) -> Team:
    team = request.tenant.teams.get(request.params["teamId"])
    if team is None:
        raise not_found(f"No team found with Group Id {request.params['teamId']}")
    return team


def _channels(request: Request, team: Team) -> list[Conversation]:
    return [c for c in request.tenant.conversations.values() if c.kind == CHANNEL and c.team_id == team.group_id]


def _channel(request: Request, team: Team) -> Conversation:
    channel = next((c for c in _channels(request, team) if c.id == request.params["channelId"]), None)
    if channel is None:
        raise not_found(f"Channel '{request.params['channelId']}' was not found in the team.")
    return channel


ROUTES = [
    route("POST", "/teams/{teamId}/channels", "create_channel", create_channel),
    route("GET", "/teams/{teamId}/channels/{channelId}", "get_channel", get_channel),
    route("GET", "/teams/{teamId}/channels/{channelId}/members", "list_channel_members", list_members),
    route("POST", "/teams/{teamId}/channels/{channelId}/members", "add_channel_member", add_channel_member),
    route("POST", "/teams/{teamId}/channels/{channelId}/archive", "archive_channel", archive_channel),
    route("GET", "/teams/{teamId}/channels/{channelId}/messages", "list_channel_messages", list_messages),
]

"""The activities Teams posts to the bot, shaped as Teams shapes them: who sent it, in which
conversation (1:1, group chat or a channel thread), the tenant and, in channels, the team.

Callers hold `Tenant.cond`.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from .state import CHANNEL, GROUP_CHAT, Conversation, Tenant, User


def account(user: User) -> dict:
    return {"id": user.teams_id, "name": user.name, "aadObjectId": user.object_id}


def bot_account(tenant: Tenant) -> dict:
    return {"id": tenant.bot_id, "name": tenant.bot_name}


def envelope(
    tenant: Tenant,
    conversation: Conversation,
    user: User,
    service_url: str,
    kind: str,
    *,
    thread: str | None = None,
) -> dict:
    """The fields every activity carries; `thread` is the root message of a channel thread."""
    now = datetime.now(UTC)
    shown: dict = {"conversationType": conversation.kind, "tenantId": tenant.tenant_id, "id": conversation.id}
    channel_data: dict = {"tenant": {"id": tenant.tenant_id}}
    if conversation.kind == GROUP_CHAT:
        shown["isGroup"] = True
    if conversation.kind == CHANNEL:
        team = tenant.teams[conversation.team_id or ""]
        shown.update(isGroup=True, id=f"{conversation.id};messageid={thread}" if thread else conversation.id)
        channel_data.update(
            teamsChannelId=conversation.id,
            teamsTeamId=team.general_channel,
            channel={"id": conversation.id, "name": conversation.topic},
            team={"id": team.general_channel, "name": team.name, "aadGroupId": team.group_id},
        )
    return {
        "type": kind,
        "id": f"f:{secrets.token_hex(8)}",
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "localTimestamp": now.isoformat(),
        "localTimezone": "Europe/London",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": account(user),
        "conversation": shown,
        "recipient": bot_account(tenant),
        "locale": "en-GB",
        "entities": [
            {"type": "clientInfo", "locale": "en-GB", "country": "GB", "platform": "Web", "timezone": "Europe/London"}
        ],
        "channelData": channel_data,
    }


def invoke(base: dict, name: str, value: object, reply_to_id: str | None) -> dict:
    activity = {**base, "name": name, "value": value}
    if reply_to_id is not None:
        activity["replyToId"] = reply_to_id
    return activity

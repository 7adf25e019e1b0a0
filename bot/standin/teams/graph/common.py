"""What Graph's chat and channel operations share: permission checks, members named by
`user@odata.bind`, `$top` paging, and the JSON shapes of members and messages.

Callers hold `Tenant.cond`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from ..errors import ServiceError, bad_request, forbidden
from ..routes import Answer, Request
from ..state import ADAPTIVE_CARD, Activity, Conversation, Membership, Tenant, User

MEMBER_TYPE = "#microsoft.graph.aadUserConversationMember"
# Graph resolves a bind to `users('<object id or UPN>')` under any base URL it serves.
_USER_BIND = re.compile(r"/users\('([^']+)'\)$")
MAX_TOP = 50


def require_role(request: Request, *allowed: str) -> None:
    """Application permissions: the token's roles must include one that allows the operation."""
    roles = request.claims.get("roles") or []
    if not set(allowed) & set(roles):
        raise forbidden(
            f"Missing role permissions on the request. API requires one of '{', '.join(allowed)}'. "
            f"Roles on the request '{', '.join(roles)}'."
        )


def body_object(request: Request, allowed: set[str]) -> dict:
    """The JSON object sent; Graph refuses properties the resource does not have."""
    body = request.body
    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.")
    unknown = sorted(k for k in body if k not in allowed and "@odata." not in k)
    if unknown:
        raise bad_request(f"Invalid request body: the property '{unknown[0]}' does not exist on this type.")
    return body


def bound_member(tenant: Tenant, member: object, *, require_owner: bool = False) -> tuple[User, list[str]]:
    """The person an `aadUserConversationMember` names, and their roles, checked as Graph checks them."""
    if not isinstance(member, dict) or member.get("@odata.type") != MEMBER_TYPE:
        raise bad_request(f"Each member must be a '{MEMBER_TYPE}'.")
    bind = member.get("user@odata.bind")
    match = _USER_BIND.search(bind) if isinstance(bind, str) else None
    if match is None:
        raise bad_request(
            "A member needs 'user@odata.bind' of the form https://graph.microsoft.com/v1.0/users('<id>')."
        )
    user = tenant.users.get(match.group(1)) or next(
        (u for u in tenant.users.values() if u.email == match.group(1)), None
    )
    if user is None:
        raise bad_request(f"Unable to find user with id '{match.group(1)}'.")
    roles = member.get("roles")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise bad_request("A member's roles must be an array of strings.")
    if user.is_guest and roles != ["guest"]:
        raise bad_request(f"Guest user '{user.object_id}' must have the role 'guest'.")
    if not user.is_guest and roles not in ([], ["owner"]):
        raise bad_request(f"User '{user.object_id}' may only have the role 'owner'.")
    if require_owner and not user.is_guest and roles != ["owner"]:
        raise bad_request(f"User '{user.object_id}' must be added with the role 'owner'.")
    return user, roles


def top(request: Request) -> int:
    raw = request.query.get("$top", "20")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_TOP:
        raise bad_request(f"Invalid page size specified: '{raw}'. Must be between 1 and {MAX_TOP}.")
    return int(raw)


def paged(request: Request, items: list[dict], path: str) -> Answer:
    """One page of `items` (already in Graph's order), with `@odata.nextLink` when more remain."""
    size = top(request)
    skip = int(request.query.get("$skiptoken", "0") or 0)
    body: dict = {"value": items[skip : skip + size]}
    if skip + size < len(items):
        body["@odata.nextLink"] = f"{request.base}{path}?$top={size}&$skiptoken={skip + size}"
    return Answer(200, body)


def stamp(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def member_json(tenant: Tenant, membership: Membership) -> dict:
    user = tenant.users[membership.object_id]
    return {
        "@odata.type": MEMBER_TYPE,
        "id": membership.id,
        "roles": membership.roles,
        "displayName": user.name,
        "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
        "userId": user.object_id,
        "email": user.email,
        "tenantId": tenant.tenant_id,
    }


def add_member(request: Request, conversation: Conversation, team: set[str] | None = None) -> tuple[User, Membership]:
    """POST .../members: one more person (for a private channel, one of its `team`)."""
    tenant = request.tenant
    body = body_object(request, {"roles", "visibleHistoryStartDateTime"})
    user, roles = bound_member(tenant, body)
    if team is not None and user.object_id not in team:
        raise bad_request(f"Members of a private channel must be members of the team: {user.name}.")
    if user.object_id in conversation.members:
        # Assumption: adding someone already there is refused, so a retry must tell "done" from "failed".
        raise ServiceError(409, "Conflict", f"User '{user.object_id}' is already a member.")
    return user, tenant.add_member(conversation, user.object_id, roles)


def message_json(tenant: Tenant, activity: Activity, where: dict) -> dict:
    """A message as Graph lists it: cards as attachments whose `content` is a JSON string."""
    if activity.sender == tenant.bot_id:
        sender = {
            "application": {
                "@odata.type": "#microsoft.graph.teamworkApplicationIdentity",
                "id": tenant.app_id,
                "displayName": tenant.bot_name,
                "applicationIdentityType": "bot",
            },
            "device": None,
            "user": None,
        }
    else:
        user = tenant.users[activity.sender]
        sender = {
            "application": None,
            "device": None,
            "user": {
                "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                "id": user.object_id,
                "displayName": user.name,
                "userIdentityType": "aadUser",
                "tenantId": tenant.tenant_id,
            },
        }
    attachments = [
        {
            "id": f"{activity.id}-{index}",
            "contentType": a.get("contentType"),
            "contentUrl": None,
            "content": json.dumps(a.get("content")) if a.get("contentType") == ADAPTIVE_CARD else a.get("content"),
            "name": a.get("name"),
            "thumbnailUrl": None,
            "teamsAppId": tenant.catalog_app_id if activity.sender == tenant.bot_id else None,
        }
        for index, a in enumerate(activity.attachments if activity.deleted is None else [])
    ]
    pieces = [activity.text] + [f'<attachment id="{a["id"]}"></attachment>' for a in attachments]
    return {
        "id": activity.id,
        "replyToId": activity.reply_to_id,
        "etag": str(int((activity.edited or activity.created).timestamp() * 1000)),
        "messageType": "message",
        "createdDateTime": stamp(activity.created),
        "lastModifiedDateTime": stamp(activity.edited or activity.deleted or activity.created),
        "lastEditedDateTime": stamp(activity.edited),
        "deletedDateTime": stamp(activity.deleted),
        "subject": None,
        "summary": None,
        "importance": "normal",
        "locale": "en-us",
        "webUrl": None,
        "from": sender,
        "body": {"contentType": "html", "content": "" if activity.deleted else "".join(p for p in pieces if p)},
        "attachments": attachments,
        "mentions": [],
        "reactions": [],
        **where,
    }


def newest_first(activities: list[Activity]) -> list[Activity]:
    return sorted(activities, key=lambda a: int(a.id), reverse=True)

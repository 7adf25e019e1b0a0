"""Graph's chats: create a group chat with its members, read it, rename it, list and add members,
install the app in it (then the bot is in the chat and may post there), and list its messages;
the bot's 1:1 chats with people are there too, to read.

Application permissions are checked against the token's roles, so a missing admin consent shows
as the 403 Graph answers.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from ..errors import ServiceError, bad_request, forbidden, not_found
from ..routes import Answer, Request, route
from ..state import GROUP_CHAT, Conversation
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

_APP_BIND = re.compile(r"/appCatalogs/teamsApps/([^/]+)$")
MAX_TOPIC = 250


def create_chat(request: Request) -> Answer:
    require_role(request, "Chat.Create")
    tenant = request.tenant
    body = body_object(request, {"chatType", "topic", "members", "installedApps"})
    if not tenant.chat_creation_allowed:
        raise forbidden("The tenant's policy does not allow this app to create chats.")
    if body.get("chatType") != "group":
        # oneOnOne chats are made through the Bot Connector's 1:1 conversations instead.
        raise bad_request(f"chatType {body.get('chatType')!r}: the stand-in plays 'group' chats only.")
    if "installedApps" in body:
        raise bad_request("The stand-in installs apps with POST /chats/{id}/installedApps, not on create.")
    topic = body.get("topic")
    if topic is not None and (not isinstance(topic, str) or len(topic) > MAX_TOPIC):
        raise bad_request(f"topic must be a string of at most {MAX_TOPIC} characters.")
    members = body.get("members")
    if not isinstance(members, list):
        raise bad_request("members must be an array.")
    bound = [bound_member(tenant, m, require_owner=True) for m in members]
    ids = [user.object_id for user, _ in bound]
    if len(set(ids)) != len(ids):
        raise bad_request("The same user is listed twice in members.")
    # A group chat is three or more people; an app creating it is none of them.
    if len(ids) < 3:
        raise bad_request(f"A group chat needs at least 3 members; {len(ids)} given.")
    chat = tenant.new_conversation(
        GROUP_CHAT, tenant.thread_id("v2"), {user.object_id: roles for user, roles in bound}, topic=topic or ""
    )
    tenant.record(
        "chat", tenant.where(chat), tenant.bot_name, "created with " + ", ".join(f"@{u.name}" for u, _ in bound)
    )
    return Answer(201, chat_json(request, chat))


def get_chat(request: Request) -> Answer:
    require_role(request, "Chat.ReadBasic.All", "Chat.Read.All", "Chat.ReadWrite.All")
    chat = _chat(request)
    body = chat_json(request, chat)
    if request.query.get("$expand") == "members":
        body["members"] = [member_json(request.tenant, m) for m in chat.members.values()]
    return Answer(200, body)


def update_chat(request: Request) -> Answer:
    require_role(request, "Chat.ReadWrite.All", "ChatSettings.ReadWrite.Chat")
    chat = _group_chat(request)
    body = body_object(request, {"topic"})
    topic = body.get("topic")
    if not isinstance(topic, str) or not topic or len(topic) > MAX_TOPIC:
        raise bad_request(f"topic must be a non-empty string of at most {MAX_TOPIC} characters.")
    before, chat.topic = chat.topic, topic
    request.tenant.record("chat", request.tenant.where(chat), request.tenant.bot_name, f"renamed from '{before}'")
    return Answer(204)


def list_members(request: Request) -> Answer:
    require_role(
        request,
        "ChatMember.Read.All",
        "ChatMember.ReadWrite.All",
        "Chat.ReadBasic.All",
        "Chat.Read.All",
        "Chat.ReadWrite.All",
    )
    chat = _chat(request)
    return Answer(200, {"value": [member_json(request.tenant, m) for m in chat.members.values()]})


def add_chat_member(request: Request) -> Answer:
    require_role(request, "ChatMember.ReadWrite.All", "Chat.ReadWrite.All")
    chat = _group_chat(request)
    user, membership = add_member(request, chat)
    request.tenant.record("chat", request.tenant.where(chat), request.tenant.bot_name, f"added @{user.name}")
    return Answer(201, member_json(request.tenant, membership))


def install_app(request: Request) -> Answer:
    require_role(request, "TeamsAppInstallation.ReadWriteForChat.All", "TeamsAppInstallation.ReadWriteSelfForChat.All")
    tenant, chat = request.tenant, _group_chat(request)
    body = body_object(request, set())
    bind = body.get("teamsApp@odata.bind")
    match = _APP_BIND.search(bind) if isinstance(bind, str) else None
    if match is None:
        raise bad_request(
            "'teamsApp@odata.bind' must name https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/<id>."
        )
    if match.group(1) != tenant.catalog_app_id:
        raise not_found(f"The app '{match.group(1)}' is not in the tenant's app catalog.")
    if match.group(1) in chat.installed_apps:
        raise ServiceError(409, "Conflict", "The app is already installed in this chat.")
    chat.installed_apps.append(match.group(1))
    chat.bot_member = True
    tenant.record("install", tenant.where(chat), tenant.bot_name, f"{tenant.bot_name} was added to the chat")
    return Answer(201)


def list_messages(request: Request) -> Answer:
    require_role(request, "Chat.Read.All", "Chat.ReadWrite.All", "ChatMessage.Read.All")
    tenant, chat = request.tenant, _chat(request)
    graph_id = chat.graph_id(tenant.app_id)
    where = {"chatId": graph_id, "channelIdentity": None}
    messages = [message_json(tenant, a, where) for a in newest_first(chat.activities)]
    return paged(request, messages, f"/chats/{quote(graph_id)}/messages")


def chat_json(request: Request, chat: Conversation) -> dict:
    graph_id = chat.graph_id(request.tenant.app_id)
    return {
        "id": graph_id,
        "topic": chat.topic or None,
        "createdDateTime": stamp(chat.created),
        "lastUpdatedDateTime": stamp(chat.created),
        "chatType": "group" if chat.kind == GROUP_CHAT else "oneOnOne",
        "webUrl": f"https://teams.microsoft.com/l/chat/{quote(graph_id)}/0?tenantId={request.tenant.tenant_id}",
        "tenantId": request.tenant.tenant_id,
        "isHiddenForAllMembers": False,
        "onlineMeetingInfo": None,
        "viewpoint": None,
    }


def _chat(request: Request) -> Conversation:
    chat = request.tenant.chat(request.params["chatId"])
    if chat is None:
        raise not_found(f"Chat '{request.params['chatId']}' was not found.")
    return chat


def _group_chat(request: Request) -> Conversation:
    chat = _chat(request)
    if chat.kind != GROUP_CHAT:
        raise bad_request("Only group chats can be renamed, given members or given apps.")
    return chat


ROUTES = [
    route("POST", "/chats", "create_chat", create_chat),
    route("GET", "/chats/{chatId}", "get_chat", get_chat),
    route("PATCH", "/chats/{chatId}", "update_chat", update_chat),
    route("GET", "/chats/{chatId}/members", "list_chat_members", list_members),
    route("POST", "/chats/{chatId}/members", "add_chat_member", add_chat_member),
    route("POST", "/chats/{chatId}/installedApps", "install_app", install_app),
    route("GET", "/chats/{chatId}/messages", "list_chat_messages", list_messages),
]

"""The Bot Connector (`{serviceUrl}/v3/...`): conversations, activities and members, as the bot
uses them to create 1:1 chats, send, reply, update in place and delete.

Each operation runs under `Tenant.cond`. Teams' own words are used where known; where Teams would
quietly show something broken (an `<at>` tag without its entity), the stand-in refuses it instead,
so a test cannot pass on a message nobody could read.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .card_text import flatten
from .cards import mention_problem
from .errors import ServiceError, bad_request, forbidden, not_found
from .routes import Answer, Request, route
from .schemas import SchemaError, check_card
from .state import ADAPTIVE_CARD, CHANNEL, PERSONAL, Activity, Conversation, Tenant

# Teams refuses a message whose payload is over about 28 KB.
MAX_ACTIVITY_BYTES = 28 * 1024


def _bad_argument(message: str) -> ServiceError:
    return bad_request(message, "BadArgument")


def create_conversation(request: Request) -> Answer:
    """A 1:1 chat with a person (the same one every time), or a new thread in a channel."""
    tenant, body = request.tenant, _object(request.body)
    channel_data = body.get("channelData") if isinstance(body.get("channelData"), dict) else {}
    tenant_id = body.get("tenantId") or (channel_data.get("tenant") or {}).get("id")
    if tenant_id != tenant.tenant_id:
        raise _bad_argument("Incorrect conversation creation parameters: tenantId is missing or not this tenant.")
    bot = body.get("bot")
    if bot is not None and (not isinstance(bot, dict) or bot.get("id") != tenant.bot_id):
        raise _bad_argument("Incorrect conversation creation parameters: bot is not this bot.")
    if body.get("isGroup"):
        return _new_channel_thread(request, body, channel_data)
    members = body.get("members")
    if not isinstance(members, list) or len(members) != 1 or not isinstance(members[0], dict):
        raise _bad_argument("Incorrect conversation creation parameters: a 1:1 chat has exactly one member.")
    user = tenant.user_by_any_id(str(members[0].get("id", "")))
    if user is None:
        raise _bad_argument("Invalid user identity in provided tenant.")
    if not user.has_app:
        raise forbidden("Bot is not installed in user's personal scope")
    conversation = tenant.open_personal_chat(user.object_id)
    answer: dict = {"id": conversation.id}
    if body.get("activity") is not None:
        answer["activityId"] = _post(request, conversation, _object(body["activity"]), None).id
    return Answer(201, answer)


def _new_channel_thread(request: Request, body: dict, channel_data: dict) -> Answer:
    channel = request.tenant.conversation(str((channel_data.get("channel") or {}).get("id", "")))
    if channel is None or channel.kind != CHANNEL:
        raise _bad_argument("Incorrect conversation creation parameters: channelData.channel.id names no channel.")
    if not isinstance(body.get("activity"), dict):
        raise _bad_argument("Incorrect conversation creation parameters: a channel thread starts with an activity.")
    activity = _post(request, channel, body["activity"], None)
    return Answer(201, {"id": f"{channel.id};messageid={activity.id}", "activityId": activity.id})


def send_activity(request: Request) -> Answer:
    """POST .../activities (a new message) or .../activities/{activityId} (a reply to it)."""
    conversation = _bots_conversation(request)
    body = _object(request.body)
    reply_to = request.params.get("activityId") or body.get("replyToId") or _thread_of(request)
    if body.get("type") == "typing":
        return Answer(201, {})
    activity = _post(request, conversation, body, reply_to)
    return Answer(201, {"id": activity.id})


def update_activity(request: Request) -> Answer:
    tenant, conversation = request.tenant, _bots_conversation(request)
    activity = _own_activity(tenant, conversation, request.params["activityId"])
    body = _object(request.body)
    text, attachments, entities = _checked_message(request, conversation, body)
    activity.replace(text, attachments, entities, datetime.now(UTC))
    tenant.record("update", tenant.where(conversation), tenant.bot_name, tenant.readable(text, attachments, entities))
    return Answer(200, {"id": activity.id})


def delete_activity(request: Request) -> Answer:
    tenant, conversation = request.tenant, _bots_conversation(request)
    activity = _own_activity(tenant, conversation, request.params["activityId"])
    activity.deleted = datetime.now(UTC)
    tenant.record(
        "delete",
        tenant.where(conversation),
        tenant.bot_name,
        tenant.readable(activity.text, activity.attachments, activity.entities),
    )
    return Answer(200, None)


def get_members(request: Request) -> Answer:
    tenant, conversation = request.tenant, _bots_conversation(request)
    return Answer(200, [member_account(tenant, oid) for oid in conversation.members])


def get_member(request: Request) -> Answer:
    tenant, conversation = request.tenant, _bots_conversation(request)
    user = tenant.user_by_any_id(request.params["memberId"])
    if user is None or user.object_id not in conversation.members:
        raise not_found("The member is not in the conversation.", "MemberNotFoundInConversation")
    return Answer(200, member_account(tenant, user.object_id))


def member_account(tenant: Tenant, object_id: str) -> dict:
    """A person as the Bot Connector describes them (a TeamsChannelAccount)."""
    user = tenant.users[object_id]
    given, _, family = user.name.partition(".")
    return {
        "id": user.teams_id,
        "name": user.name,
        "aadObjectId": user.object_id,
        "objectId": user.object_id,
        "givenName": given,
        "surname": family,
        "email": user.email,
        "userPrincipalName": user.email,
        "tenantId": tenant.tenant_id,
        "userRole": "guest" if user.is_guest else "user",
    }


# checks


def _object(body: object) -> dict:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.", "BadSyntax")
    return body


def _bots_conversation(request: Request) -> Conversation:
    tenant = request.tenant
    conversation = tenant.conversation(request.params["conversationId"])
    if conversation is None:
        raise not_found("Conversation not found.", "ConversationNotFound")
    if not tenant.bot_in(conversation):
        raise forbidden("The bot is not part of the conversation roster.", "BotNotInConversationRoster")
    if conversation.archived:
        # Assumption: an archived channel is read-only to bots as it is to people.
        raise forbidden("The channel is archived.", "ConversationArchived")
    return conversation


def _thread_of(request: Request) -> str | None:
    _, _, root = request.params["conversationId"].partition(";messageid=")
    return root or None


def _own_activity(tenant: Tenant, conversation: Conversation, activity_id: str) -> Activity:
    activity = conversation.find(activity_id)
    if activity is None or activity.deleted is not None:
        raise not_found("Activity not found.", "ActivityNotFound")
    if activity.sender != tenant.bot_id:
        raise forbidden("The bot can only change its own messages.")
    return activity


def _post(request: Request, conversation: Conversation, body: dict, reply_to: str | None) -> Activity:
    tenant = request.tenant
    text, attachments, entities = _checked_message(request, conversation, body)
    if conversation.kind == CHANNEL and reply_to is not None and conversation.find(reply_to) is None:
        raise _bad_argument(f"replyToId {reply_to!r} is no message in the channel.")
    if conversation.kind != CHANNEL:
        reply_to = None  # chats have no threads; Teams ignores replyToId there
    activity = tenant.post(conversation, tenant.bot_id, text, attachments, entities, reply_to_id=reply_to)
    kind = "dm" if conversation.kind == PERSONAL else "reply" if reply_to else "post"
    tenant.record(kind, tenant.where(conversation), tenant.bot_name, tenant.readable(text, attachments, entities))
    return activity


def _checked_message(request: Request, conversation: Conversation, body: dict) -> tuple[str, list[dict], list[dict]]:
    """A message activity's text, attachments and entities, refused as Teams refuses them."""
    if body.get("type") != "message":
        raise _bad_argument(f"Activity type {body.get('type')!r} cannot be sent; send a 'message'.")
    if request.size > MAX_ACTIVITY_BYTES:
        raise ServiceError(
            413,
            "RequestEntityTooLarge",
            f"Message size {request.size} bytes is over the limit of {MAX_ACTIVITY_BYTES}.",
        )
    text = body.get("text") or ""
    attachments = body.get("attachments") or []
    entities = body.get("entities") or []
    if not isinstance(text, str) or not isinstance(attachments, list) or not isinstance(entities, list):
        raise _bad_argument("text is a string; attachments and entities are arrays.")
    if not text and not attachments:
        raise _bad_argument("A message needs text or attachments.")
    members = _member_ids(request.tenant, conversation)
    problem = mention_problem(text, entities, members)
    for index, attachment in enumerate(attachments):
        problem = problem or _attachment_problem(request.tenant, attachment, members, index)
    if problem:
        raise _bad_argument(problem)
    return text, attachments, entities


def _attachment_problem(tenant: Tenant, attachment: object, members: dict[str, str], index: int) -> str | None:
    if not isinstance(attachment, dict):
        return f"attachments/{index} is not an object"
    # The stand-in knows Adaptive Cards only; a hero card would pass here with nobody checking it.
    if attachment.get("contentType") != ADAPTIVE_CARD:
        return f"attachments/{index}: contentType {attachment.get('contentType')!r} is not {ADAPTIVE_CARD!r}"
    card = attachment.get("content")
    if isinstance(card, str):
        return f"attachments/{index}: content is the card as an object, not a JSON string"
    try:
        check_card(card, tenant.card_schema)
    except SchemaError as error:
        return f"attachments/{index} is not a valid Adaptive Card 1.5: {error}"
    entities = (card.get("msteams") or {}).get("entities") or []
    problem = mention_problem(flatten(card), entities, members)
    return f"attachments/{index}: {problem}" if problem else None


def _member_ids(tenant: Tenant, conversation: Conversation) -> dict[str, str]:
    """Every id a member of the conversation (or the bot) may be mentioned by."""
    ids = {tenant.bot_id: tenant.bot_name}
    for object_id in conversation.members:
        user = tenant.users[object_id]
        ids[user.object_id] = ids[user.teams_id] = user.name
    return ids


ROUTES = [
    route("POST", "/v3/conversations", "create_conversation", create_conversation),
    route("POST", "/v3/conversations/{conversationId}/activities", "send_activity", send_activity),
    route("POST", "/v3/conversations/{conversationId}/activities/{activityId}", "send_activity", send_activity),
    route("PUT", "/v3/conversations/{conversationId}/activities/{activityId}", "update_activity", update_activity),
    route("DELETE", "/v3/conversations/{conversationId}/activities/{activityId}", "delete_activity", delete_activity),
    route("GET", "/v3/conversations/{conversationId}/members", "get_members", get_members),
    route("GET", "/v3/conversations/{conversationId}/members/{memberId}", "get_member", get_member),
]
# Operations that put a message in a conversation, counted against its per-conversation limit.
MESSAGE_OPERATIONS = frozenset({"send_activity", "update_activity", "delete_activity"})

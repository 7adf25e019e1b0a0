"""The simulated tenant: people, teams, conversations (1:1 chats, group chats, channels), their
activities, open dialogs and a record of what happened.

Every read and write goes through `Tenant.cond` (one re-entrant lock), and every write notifies
it, so `TeamsStandIn.wait_for` can sleep until the bot has done something. A Teams conversation
and the Graph chat or channel it belongs to are one object here, as they are one thread in Teams:
a group chat's Graph id is its Bot Connector conversation id, and a message's Graph id is its
activity id.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .card_text import card_lines

PERSONAL, GROUP_CHAT, CHANNEL = "personal", "groupChat", "channel"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class User:
    object_id: str  # Entra object id (GUID)
    teams_id: str  # the "29:..." id Teams gives the person in activities
    name: str
    email: str
    is_guest: bool = False
    has_app: bool = True  # the app is installed for them (personal scope), so the bot may DM them


@dataclass
class Activity:
    id: str
    conversation_id: str
    sender: str  # an object id, or the bot's "28:<app id>"
    text: str
    attachments: list[dict]
    entities: list[dict]
    created: datetime
    reply_to_id: str | None = None
    # previous (text, attachments) versions, oldest first
    edits: list[tuple[str, list[dict]]] = field(default_factory=list)
    edited: datetime | None = None
    deleted: datetime | None = None
    # Universal Actions: the attachments a person sees instead, after the bot answered their click
    seen_by: dict[str, list[dict]] = field(default_factory=dict)

    def replace(self, text: str, attachments: list[dict], entities: list[dict], when: datetime) -> None:
        self.edits.append((self.text, self.attachments))
        self.text, self.attachments, self.entities, self.edited = text, attachments, entities, when
        self.seen_by.clear()  # an update replaces the card for everyone

    def cards_for(self, object_id: str) -> list[dict]:
        """The Adaptive Cards this person sees on the message."""
        shown = self.seen_by.get(object_id, self.attachments)
        return [a["content"] for a in shown if a.get("contentType") == ADAPTIVE_CARD]


@dataclass
class Membership:
    id: str  # the membership's Graph id
    object_id: str
    roles: list[str]
    since: datetime


@dataclass
class Conversation:
    id: str
    kind: str  # PERSONAL, GROUP_CHAT or CHANNEL
    members: dict[str, Membership] = field(default_factory=dict)  # by object id
    bot_member: bool = False
    topic: str = ""  # a group chat's topic or a channel's display name
    activities: list[Activity] = field(default_factory=list)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    installed_apps: list[str] = field(default_factory=list)  # catalog app ids installed in a group chat
    # channels only
    team_id: str | None = None
    membership_type: str = "standard"
    description: str = ""
    archived: bool = False

    def find(self, activity_id: str) -> Activity | None:
        return next((a for a in self.activities if a.id == activity_id), None)

    def graph_id(self, app_id: str) -> str:
        """The chat's id in Graph: a group chat's is its conversation id; a 1:1 chat with the bot
        has the form Graph gives one-on-one chats, `19:<person>_<app>@unq.gbl.spaces`."""
        if self.kind == PERSONAL:
            return f"19:{next(iter(self.members))}_{app_id}@unq.gbl.spaces"
        return self.id


@dataclass
class Team:
    group_id: str  # the GUID Graph names the team by
    name: str
    members: set[str]  # object ids
    app_installed: bool
    general_channel: str  # the General channel's id, which Teams also gives as the team's id in activities
    owners: set[str] = field(default_factory=set)


@dataclass
class Dialog:
    """A dialog (task module) open for one person, showing an Adaptive Card."""

    id: str
    user: str  # object id
    conversation_id: str
    title: str
    card: dict
    reply_to_id: str | None  # the message whose button opened it
    is_open: bool = True


@dataclass
class Call:
    operation: str  # e.g. "send_activity", "create_chat", "token"
    method: str
    path: str
    http_status: int | None  # None when the connection was dropped without an answer
    error: str | None = None  # the error code answered, if any
    body: object = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.http_status is not None and self.http_status < 400


class Tenant:
    def __init__(self, *, tenant_id: str, app_id: str, bot_name: str, catalog_app_id: str, card_schema: Path | None):
        self.cond = threading.Condition(threading.RLock())
        self.tenant_id = tenant_id
        self.app_id = app_id
        self.bot_id = f"28:{app_id}"
        self.bot_name = bot_name
        self.catalog_app_id = catalog_app_id
        self.card_schema = card_schema  # Adaptive Cards are checked against it where it is stored
        self.users: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.conversations: dict[str, Conversation] = {}
        self.dialogs: dict[str, Dialog] = {}
        self.calls: list[Call] = []
        self.log: list[dict] = []
        self.chat_creation_allowed = True  # the tenant's policy on apps creating group chats
        # the last request each person sent the bot, for replaying a redelivery
        self.last_requests: dict[str, bytes] = {}
        self._last_ms = 0

    def changed(self) -> None:
        with self.cond:
            self.cond.notify_all()

    # identifiers

    def next_activity_id(self) -> str:
        """Activity ids are milliseconds since the epoch, unique and increasing, like Teams'."""
        now_ms = time.time_ns() // 1_000_000
        self._last_ms = max(now_ms, self._last_ms + 1)
        return str(self._last_ms)

    @staticmethod
    def thread_id(suffix: str) -> str:
        return f"19:{secrets.token_hex(16)}@thread.{suffix}"

    # people

    def add_user(self, object_id: str, name: str, *, email: str | None, is_guest: bool, has_app: bool) -> User:
        uuid.UUID(object_id)  # Entra object ids are GUIDs
        digest = hashlib.sha256(object_id.encode()).hexdigest()[:40]
        with self.cond:
            user = self.users[object_id] = User(
                object_id, f"29:1{digest}", name, email or f"{name}@cspr.example", is_guest, has_app
            )
            self.changed()
            return user

    def user_by_any_id(self, some_id: str) -> User | None:
        """A person named by object id or by Teams id, as Teams accepts either."""
        return self.users.get(some_id) or next((u for u in self.users.values() if u.teams_id == some_id), None)

    def name_of(self, some_id: str) -> str:
        if some_id == self.bot_id:
            return self.bot_name
        user = self.user_by_any_id(some_id)
        return user.name if user else some_id

    # conversations

    def add_member(self, conversation: Conversation, object_id: str, roles: list[str]) -> Membership:
        membership = Membership(
            f"{conversation.id}#{object_id}".encode().hex(), object_id, list(roles), datetime.now(UTC)
        )
        conversation.members[object_id] = membership
        self.changed()
        return membership

    def new_conversation(
        self, kind: str, conversation_id: str, members: dict[str, list[str]], **fields
    ) -> Conversation:
        with self.cond:
            conversation = Conversation(conversation_id, kind, **fields)
            for object_id, roles in members.items():
                self.add_member(conversation, object_id, roles)
            self.conversations[conversation.id] = conversation
            self.changed()
            return conversation

    def personal_chat(self, object_id: str) -> Conversation | None:
        return next(
            (c for c in self.conversations.values() if c.kind == PERSONAL and object_id in c.members),
            None,
        )

    def open_personal_chat(self, object_id: str) -> Conversation:
        """The one 1:1 chat between the bot and a person: made on first use, then always the same."""
        with self.cond:
            existing = self.personal_chat(object_id)
            if existing is not None:
                return existing
            return self.new_conversation(
                PERSONAL, f"a:1{secrets.token_urlsafe(24)}", {object_id: ["owner"]}, bot_member=True
            )

    def conversation(self, conversation_id: str) -> Conversation | None:
        """A conversation by id; a channel thread's id (`<channel>;messageid=<root>`) names its channel."""
        return self.conversations.get(conversation_id.split(";", 1)[0])

    def chat(self, graph_id: str) -> Conversation | None:
        """A 1:1 or group chat by its Graph id."""
        return next(
            (c for c in self.conversations.values() if c.kind != CHANNEL and c.graph_id(self.app_id) == graph_id), None
        )

    def can_see(self, object_id: str, conversation: Conversation) -> bool:
        return object_id in conversation.members

    def bot_in(self, conversation: Conversation) -> bool:
        if conversation.kind == CHANNEL:
            # A team's installation reaches its private channels too (supportsChannelFeatures: tier1).
            return self.teams[conversation.team_id or ""].app_installed
        return conversation.bot_member

    def post(
        self,
        conversation: Conversation,
        sender: str,
        text: str,
        attachments: list[dict],
        entities: list[dict],
        *,
        reply_to_id: str | None = None,
    ) -> Activity:
        with self.cond:
            activity = Activity(
                self.next_activity_id(),
                conversation.id,
                sender,
                text,
                copy.deepcopy(attachments),
                copy.deepcopy(entities),
                datetime.now(UTC),
                reply_to_id,
            )
            conversation.activities.append(activity)
            self.changed()
            return activity

    # the readable record

    def where(self, conversation: Conversation) -> str:
        if conversation.kind == PERSONAL:
            return f"DM @{self.name_of(next(iter(conversation.members), ''))}"
        if conversation.kind == CHANNEL:
            return f"#{conversation.topic}"
        return f"chat '{conversation.topic}'"

    def readable(self, text: str, attachments: list[dict], entities: list[dict]) -> str:
        """What a person reads: the text with mentions as @name, then each card flattened."""
        mentioned = _mention_names(self, entities)
        lines = [_resolve_mentions(text, mentioned)] if text else []
        for attachment in attachments:
            if attachment.get("contentType") == ADAPTIVE_CARD:
                card = attachment.get("content") or {}
                in_card = _mention_names(self, (card.get("msteams") or {}).get("entities") or [])
                lines += [_resolve_mentions(line, in_card) for line in card_lines(card)]
        return "\n".join(line for line in lines if line)

    def record(self, kind: str, where: str, author: str, text: str) -> None:
        with self.cond:
            self.log.append({"seq": len(self.log) + 1, "kind": kind, "channel": where, "author": author, "text": text})
            self.changed()

    def record_call(self, call: Call) -> None:
        with self.cond:
            self.calls.append(call)
            self.changed()


def _mention_names(tenant: Tenant, entities: list[dict]) -> dict[str, str]:
    """`<at>…</at>` text to the name of whoever it really mentions."""
    return {
        e.get("text", ""): tenant.name_of((e.get("mentioned") or {}).get("id", ""))
        for e in entities
        if isinstance(e, dict) and e.get("type") == "mention"
    }


def _resolve_mentions(text: str, mentioned: dict[str, str]) -> str:
    for tag, name in mentioned.items():
        text = text.replace(tag, f"@{name}")
    return text

"""The simulated workspace: people, conversations, messages, views and a record of what happened.

Every read and write goes through `Workspace.cond` (one re-entrant lock), and every write
notifies it, so `SlackStandIn.wait_for` can sleep until the bot has done something.
"""

from __future__ import annotations

import itertools
import mimetypes
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .blocks_text import flatten
from .validation import with_ids


@dataclass
class User:
    id: str
    name: str
    is_bot: bool = False


@dataclass
class Message:
    channel: str
    ts: str
    user: str
    text: str
    blocks: list[dict] | None = None
    metadata: dict | None = None
    thread_ts: str | None = None
    # previous (text, blocks) versions, oldest first
    edits: list[tuple[str, list[dict] | None]] = field(default_factory=list)
    edited_ts: str | None = None
    files: list[str] = field(default_factory=list)  # ids of the files shared with it

    def replace(self, text: str, blocks: list[dict] | None, edited_ts: str) -> None:
        self.edits.append((self.text, self.blocks))
        self.text, self.blocks, self.edited_ts = text, blocks, edited_ts


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    creator: str = ""
    members: set[str] = field(default_factory=set)
    topic: str = ""
    messages: list[Message] = field(default_factory=list)
    pins: set[str] = field(default_factory=set)
    created: int = field(default_factory=lambda: int(time.time()))
    im_user: str | None = None  # the person on the other side of an IM


@dataclass
class File:
    """A file the bot uploads: announced (files.getUploadURLExternal), its bytes sent to its upload
    URL, then shared in a conversation (files.completeUploadExternal)."""

    id: str
    name: str
    length: int  # the size announced; the bytes sent must match it
    alt_txt: str = ""
    title: str = ""
    content: bytes | None = None
    shared_in: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def mimetype(self) -> str:
        return mimetypes.guess_type(self.name)[0] or "application/octet-stream"


@dataclass
class View:
    id: str
    user: str
    view: dict
    is_open: bool = True
    # the last `response_action: errors` the app answered to a submission, if any
    errors: dict | None = None


@dataclass
class Trigger:
    id: str
    user: str
    issued_at: float  # time.monotonic()
    used: bool = False


@dataclass
class ResponseUrl:
    id: str
    user: str
    channel: str | None
    message_ts: str | None  # set when the url came from a click on a message


@dataclass
class ResponsePost:
    url_id: str
    user: str
    payload: dict


@dataclass
class Ephemeral:
    channel: str
    user: str
    text: str
    blocks: list[dict] | None
    ts: str


@dataclass
class Call:
    method: str
    params: dict
    http_status: int | None  # None when the connection was dropped without an answer
    ok: bool
    error: str | None
    at: float = field(default_factory=time.monotonic)


class Workspace:
    def __init__(
        self,
        *,
        team_id: str,
        team_domain: str,
        bot_user_id: str,
        bot_name: str,
        bot_id: str,
        app_id: str,
        trigger_ttl: float,
    ):
        self.cond = threading.Condition(threading.RLock())
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_name = bot_name
        self.bot_id = bot_id
        self.app_id = app_id
        self.trigger_ttl = trigger_ttl
        self.users: dict[str, User] = {bot_user_id: User(bot_user_id, bot_name, is_bot=True)}
        self.channels: dict[str, Channel] = {}
        self.views: dict[str, View] = {}
        self.files: dict[str, File] = {}
        self.uploads: dict[str, str] = {}  # the secret part of each upload URL not yet used -> file id
        self.base_url = ""  # where the stand-in serves, once started (upload URLs point there)
        # in Socket Mode, hands out a link to the WebSocket for apps.connections.open
        self.socket_link: Callable[[], str] | None = None
        self.home_views: dict[str, View] = {}
        # per user, the open modal stack, root first (Slack allows three deep)
        self.modal_stacks: dict[str, list[str]] = {}
        # the last interaction payload each person sent, for replaying a redelivery
        self.last_payloads: dict[str, dict] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.responses: list[ResponsePost] = []
        self.ephemerals: list[Ephemeral] = []
        self.calls: list[Call] = []
        self.log: list[dict] = []
        self.ids = itertools.count(1)  # shared by every generated id, so ids never repeat
        self._last_ts_us = 0
        # Slack's clock minus the host's, in seconds: on request signatures and Web API Date headers.
        self.clock_offset = 0.0

    def changed(self) -> None:
        with self.cond:
            self.cond.notify_all()

    # identifiers

    def new_id(self, prefix: str) -> str:
        while True:
            candidate = f"{prefix}{next(self.ids):06d}"
            if candidate not in self.channels and candidate not in self.views:
                return candidate

    def next_ts(self) -> str:
        """Message timestamps are unique per workspace and strictly increasing, like Slack's."""
        now_us = time.time_ns() // 1000
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def new_hash(self) -> str:
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    # people and conversations

    def add_user(self, user_id: str, name: str, *, is_bot: bool = False) -> User:
        with self.cond:
            user = self.users[user_id] = User(user_id, name, is_bot)
            self.changed()
            return user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        members: tuple[str, ...] | list[str] | set[str] = (),
    ) -> Channel:
        members = list(members)
        with self.cond:
            unknown = [m for m in members if m not in self.users]
            if unknown:
                raise ValueError(f"unknown users {unknown}: add_user them first")
            channel = Channel(
                channel_id, name, is_private=is_private, creator=members[0] if members else "", members=set(members)
            )
            self.channels[channel_id] = channel
            self.changed()
            return channel

    def archive(self, channel_id: str) -> None:
        with self.cond:
            self.channels[channel_id].is_archived = True
            self.changed()

    def im_with(self, user_id: str) -> Channel | None:
        for channel in self.channels.values():
            if channel.is_im and channel.im_user == user_id:
                return channel
        return None

    def open_im(self, user_id: str) -> Channel:
        with self.cond:
            channel = self.im_with(user_id)
            if channel is None:
                channel = Channel(
                    self.new_id("D"),
                    "",
                    is_im=True,
                    creator=user_id,
                    members={self.bot_user_id, user_id},
                    im_user=user_id,
                )
                self.channels[channel.id] = channel
                self.changed()
            return channel

    def post(
        self,
        channel: Channel,
        text: str,
        blocks: list[dict] | None,
        *,
        metadata: dict | None = None,
        thread_ts: str | None = None,
    ) -> Message:
        """Store a message from the bot, with block and action ids filled in as Slack does."""
        with self.cond:
            message = Message(
                channel.id, self.next_ts(), self.bot_user_id, text, self.stored_blocks(blocks), metadata, thread_ts
            )
            channel.messages.append(message)
            self.changed()
            return message

    def stored_blocks(self, blocks: list[dict] | None) -> list[dict] | None:
        return with_ids(blocks, self.ids) if blocks else None

    def can_see(self, user_id: str, channel: Channel) -> bool:
        if channel.is_im:
            return user_id in (channel.im_user, self.bot_user_id)
        return not channel.is_private or user_id in channel.members

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        channel = self.channels.get(channel_id)
        if channel is None:
            return None
        return next((m for m in channel.messages if m.ts == ts), None)

    # interactivity

    def issue_trigger(self, user_id: str) -> str:
        with self.cond:
            trigger = Trigger(f"{next(self.ids)}.{int(time.time())}.{secrets.token_hex(12)}", user_id, time.monotonic())
            self.triggers[trigger.id] = trigger
            return trigger.id

    def issue_response_url(self, user_id: str, channel_id: str | None, message_ts: str | None = None) -> str:
        with self.cond:
            url = ResponseUrl(secrets.token_hex(12), user_id, channel_id, message_ts)
            self.response_urls[url.id] = url
            return url.id

    def open_view_of(self, view_id: str) -> View | None:
        view = self.views.get(view_id)
        if view is not None and view.is_open:
            return view
        return next((v for v in self.home_views.values() if v.id == view_id), None)

    def close_modal(self, view_id: str) -> None:
        """Close one modal; if it was pushed, the view below it shows again."""
        with self.cond:
            view = self.views[view_id]
            view.is_open = False
            stack = self.modal_stacks.get(view.user, [])
            if view_id in stack:
                stack.remove(view_id)
            self.changed()

    def close_stack(self, user_id: str) -> None:
        with self.cond:
            for view_id in self.modal_stacks.pop(user_id, []):
                self.views[view_id].is_open = False
            self.changed()

    # the readable record

    def user_name(self, user_id: str) -> str:
        user = self.users.get(user_id)
        return user.name if user else user_id

    def display_channel(self, channel_id: str | None) -> str:
        channel = self.channels.get(channel_id or "")
        if channel is None:
            return channel_id or ""
        if channel.is_im:
            return f"DM @{self.user_name(channel.im_user or '')}"
        return f"#{channel.name}"

    def names(self) -> dict[str, str]:
        """Ids to names, for turning `<@U1>` and `<#C1>` into readable text."""
        named = {uid: user.name for uid, user in self.users.items()}
        named.update({cid: c.name for cid, c in self.channels.items() if not c.is_im})
        return named

    def readable(self, blocks: list[dict] | None, text: str = "") -> str:
        return flatten(blocks, text, names=self.names())

    def record(self, kind: str, channel: str, author: str, text: str) -> None:
        with self.cond:
            self.log.append(
                {"seq": len(self.log) + 1, "kind": kind, "channel": channel, "author": author, "text": text}
            )
            self.changed()

    def record_call(self, call: Call) -> None:
        with self.cond:
            self.calls.append(call)
            self.changed()

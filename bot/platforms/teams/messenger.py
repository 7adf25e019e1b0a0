"""The port on Teams: a group chat per case made with Graph (or a private channel in a team),
messages through the Bot Connector, found again by the key on their card, and mentions made
into names as Teams shows them.

Teams has no pins for bots and no App Home: the case card is the chat's first message, edited in
place, and a person's own view is a card in their 1:1 chat with the bot, kept up to date there.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.partnership import Partnership
from bot.platforms.port import ARCHIVED, CallFailure, Gone, Messenger, Space
from bot.platforms.teams.microsoft import Microsoft, MicrosoftError
from messages import render
from storage import conversations
from storage.db import Database

log = logging.getLogger(__name__)

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
MARK = "cspr:"  # the id of a card's first element: the key it was posted with
GROUP_CHAT, CHANNEL, PERSONAL = "group_chat", "channel", "personal"
_MENTION = re.compile(r"<at>([0-9a-fA-F-]{36})</at>")
# What Microsoft's answers mean, in the words the outbox knows (bot/platforms/port.py).
_GONE = {"ConversationNotFound": "channel_not_found", "BotNotInConversationRoster": "not_in_channel"}
_AGAIN = {429, 412, 502, 503, 504}  # Teams' own advice: retry these, after Retry-After
_SETUP = {401}  # the app's secret or consent: retried until an administrator fixes it


def kind_of(conversation_id: str) -> str:
    if conversation_id.endswith("@thread.v2"):
        return GROUP_CHAT
    if conversation_id.endswith(("@thread.tacv2", "@thread.skype")):
        return CHANNEL
    return PERSONAL


class TeamsMessenger(Messenger):
    platform = "teams"

    def __init__(self, microsoft: Microsoft, database: Database, partnership: Partnership) -> None:
        assert partnership.teams is not None
        self.microsoft = microsoft
        self.database = database
        self.partnership = partnership
        self.teams = partnership.teams
        self.names: dict[str, str] = {}  # Entra object id -> display name, as members lists give them

    # where

    def service_url(self, conversation: str) -> str:
        with self.database.transaction() as session:
            held = conversations.conversation(session, conversation)
            return held.service_url if held else self.microsoft.endpoints.service_url

    def conversation(self, destination: str) -> str:
        if kind_of(destination) != PERSONAL or destination.startswith(("a:", "19:")):
            return destination
        with self.database.transaction() as session:
            held = conversations.personal_chat(session, destination)
            if held is not None:
                return held.id
        service_url = self.microsoft.endpoints.service_url
        answer = self.microsoft.connector(
            "POST",
            service_url,
            "/v3/conversations",
            {
                "bot": {"id": f"28:{self.microsoft.app_id}"},
                "members": [{"id": destination}],
                "tenantId": self.teams.tenant_id,
                "channelData": {"tenant": {"id": self.teams.tenant_id}},
            },
        )
        with self.database.transaction() as session:
            conversations.remember(session, answer["id"], service_url, datetime.now(UTC), user_id=destination)
        return answer["id"]

    # messages

    def post(self, conversation: str, message: dict[str, Any], key: str) -> str:
        activity = self._activity(conversation, message, key)
        answer = self.microsoft.connector(
            "POST", self.service_url(conversation), f"/v3/conversations/{conversation}/activities", activity
        )
        return str(answer["id"])

    def update(self, conversation: str, message_id: str, message: dict[str, Any], key: str) -> None:
        activity = {**self._activity(conversation, message, key), "id": message_id}
        try:
            self.microsoft.connector(
                "PUT",
                self.service_url(conversation),
                f"/v3/conversations/{conversation}/activities/{message_id}",
                activity,
            )
        except MicrosoftError as error:
            if error.status == 404 and error.code == "ActivityNotFound":
                raise Gone() from None
            raise

    def reply(self, conversation: str, activity: dict[str, Any], message: dict[str, Any]) -> None:
        """Answer a message in its own conversation (a thread's reply in a channel)."""
        answer = {
            **self._activity(conversation, message, f"reply|{activity.get('id', '')}"),
            "replyToId": activity.get("id"),
        }
        service_url = str(activity.get("serviceUrl") or self.service_url(conversation))
        thread = str((activity.get("conversation") or {}).get("id") or conversation)
        self.microsoft.connector("POST", service_url, f"/v3/conversations/{thread}/activities", answer)

    def find_posted(self, conversation: str, key: str) -> str | None:
        """Graph lists a conversation's newest messages; the card's first element carries the key."""
        path = self._messages_path(conversation)
        if path is None:
            return None
        for posted in self.microsoft.graph("GET", path, params={"$top": "50"}).get("value", []):
            for attachment in posted.get("attachments") or []:
                try:
                    card = json.loads(attachment.get("content") or "{}")
                except ValueError:
                    continue
                body = card.get("body") or [{}] if isinstance(card, dict) else [{}]
                if isinstance(body[0], dict) and body[0].get("id") == MARK + key:
                    return str(posted["id"])
        return None

    def _messages_path(self, conversation: str) -> str | None:
        kind = kind_of(conversation)
        if kind == GROUP_CHAT:
            return f"/chats/{conversation}/messages"
        if kind == CHANNEL:
            return f"/teams/{self._team_of(conversation)}/channels/{conversation}/messages"
        with self.database.transaction() as session:
            held = conversations.conversation(session, conversation)
            user = held.user_id if held else None
        return f"/chats/19:{user}_{self.microsoft.app_id}@unq.gbl.spaces/messages" if user else None

    def _team_of(self, channel: str) -> str:
        if channel == self.partnership.pprg_channel or self.teams.case_space_team is None:
            return self.teams.pprg_team
        return self.teams.case_space_team

    def pin(self, conversation: str, message_id: str) -> None:
        """Bots cannot pin in Teams: the case card stays the chat's first message instead."""

    def _activity(self, conversation: str, message: dict[str, Any], key: str) -> dict[str, Any]:
        card = copy.deepcopy(message["card"])
        if card.get("body"):
            card["body"][0]["id"] = MARK + key
        if message.get("mentions"):
            card = self._with_mentions(conversation, card)
        return {
            "type": "message",
            "summary": message.get("text", ""),
            "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}],
        }

    def _with_mentions(self, conversation: str, card: dict[str, Any]) -> dict[str, Any]:
        """`<at>object id</at>` becomes `<at>name</at>` with its entity for people in the
        conversation; anyone else is named in plain words (Teams refuses to mention them)."""
        listed = self.microsoft.connector(
            "GET", self.service_url(conversation), f"/v3/conversations/{conversation}/members"
        ).get("value", [])
        members = {m.get("aadObjectId"): m for m in listed if isinstance(m, dict) and m.get("aadObjectId")}
        self.names.update({oid: m["name"] for oid, m in members.items() if m.get("name")})
        entities: list[dict[str, Any]] = []

        def named(match: re.Match[str]) -> str:
            oid = match.group(1)
            member = members.get(oid)
            if member is None:
                return self.names.get(oid, "a colleague")
            tag = f"<at>{member['name']}</at>"
            if not any(entity["text"] == tag for entity in entities):
                entities.append(
                    {"type": "mention", "text": tag, "mentioned": {"id": member["id"], "name": member["name"]}}
                )
            return tag

        text = _MENTION.sub(lambda m: json.dumps(named(m))[1:-1], json.dumps(card))
        shown = json.loads(text)
        if entities:
            shown.setdefault("msteams", {})["entities"] = entities
        return shown

    # the case's space

    def open_space(self, name: str, members: list[str], owned_unused: Callable[[str], bool]) -> Space | None:
        if self.teams.case_space == "private_channel":
            return self._private_channel(name, members)
        graph = self.microsoft.endpoints.graph_api_url
        chat = self.microsoft.graph(
            "POST",
            "/chats",
            {"chatType": "group", "topic": name, "members": [_member(graph, oid) for oid in members]},
        )
        self._install(chat["id"])
        return Space(chat["id"], name)

    def _install(self, chat: str) -> None:
        bind = (
            f"{self.microsoft.endpoints.graph_api_url}/appCatalogs/teamsApps/{self.microsoft.endpoints.catalog_app_id}"
        )
        try:
            self.microsoft.graph("POST", f"/chats/{chat}/installedApps", {"teamsApp@odata.bind": bind})
        except MicrosoftError as error:
            if error.status != 409:  # already installed by an earlier attempt
                raise

    def _private_channel(self, name: str, members: list[str]) -> Space | None:
        team = self.teams.case_space_team
        graph = self.microsoft.endpoints.graph_api_url
        try:
            channel = self.microsoft.graph(
                "POST",
                f"/teams/{team}/channels",
                {
                    "displayName": name,
                    "membershipType": "private",
                    "members": [_member(graph, oid) for oid in members],
                },
            )
        except MicrosoftError as error:
            if error.code == "NameAlreadyExists":
                return None
            raise
        return Space(channel["id"], name)

    def invite(self, space: str, users: list[str]) -> list[str]:
        graph = self.microsoft.endpoints.graph_api_url
        path = (
            f"/teams/{self._team_of(space)}/channels/{space}/members"
            if kind_of(space) == CHANNEL
            else f"/chats/{space}/members"
        )
        present = {m.get("userId") for m in self.microsoft.graph("GET", path).get("value", [])}
        problems = []
        for oid in users:
            if oid in present:
                continue
            try:
                self.microsoft.graph("POST", path, _member(graph, oid))
            except MicrosoftError as error:
                if error.status == 409:
                    continue  # added by an earlier attempt whose answer was lost
                if error.status >= 500 or error.status in _AGAIN:
                    raise
                problems.append(error.code)
        return problems

    def archive(self, space: str, name: str) -> None:
        """A private channel is archived; a group chat cannot be, so its topic says it is closed."""
        if kind_of(space) == CHANNEL:
            try:
                self.microsoft.graph("POST", f"/teams/{self._team_of(space)}/channels/{space}/archive", {})
            except MicrosoftError as error:
                if error.status != 409:
                    raise
            return
        self.microsoft.graph("PATCH", f"/chats/{space}", {"topic": f"{name} (closed)"})

    def publish_home(self, user: str, view: dict[str, Any]) -> None:
        """A person's own card in their 1:1 chat with the bot, edited in place as things change."""
        conversation = self.conversation(user)
        key = f"home|{user}"
        posted = self.find_posted(conversation, key)
        if posted is not None:
            try:
                self.update(conversation, posted, view, key)
                return
            except Gone:
                pass
        self.post(conversation, view, key)

    def share_image(self, conversation: str, png: bytes, filename: str, title: str, alt: str) -> str:
        """A card holds about 28 KB, too little for the charts: the person is told where they are."""
        text = f"{title}: the charts are in the yearly report's page, which the business manager makes with cspr-bot report."
        return self.post(conversation, render("reply", platform="teams", text=text), f"image|{filename}")

    def find_image(self, conversation: str, filename: str) -> str | None:
        return self.find_posted(conversation, f"image|{filename}")

    def classify(self, exc: Exception) -> CallFailure | None:
        if isinstance(exc, MicrosoftError):
            if exc.status in _AGAIN:
                error = "ratelimited" if exc.status == 429 else f"http_{exc.status}"
                return CallFailure(error, permanent=False, maybe_done=exc.status >= 500, retry_after=exc.retry_after)
            if exc.status >= 500:
                return CallFailure(f"http_{exc.status}", permanent=False, maybe_done=True)
            if exc.status in _SETUP:
                return CallFailure(exc.code, permanent=False, maybe_done=False)
            if exc.code == "ConversationArchived":
                return CallFailure(ARCHIVED, permanent=True, maybe_done=False)
            return CallFailure(_GONE.get(exc.code, exc.code), permanent=True, maybe_done=False)
        if isinstance(exc, httpx.TransportError):
            return CallFailure(type(exc).__name__, permanent=False, maybe_done=True)
        return None


def _member(graph: str, object_id: str) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "roles": ["owner"],
        "user@odata.bind": f"{graph}/users('{object_id}')",
    }

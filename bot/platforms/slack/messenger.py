"""The port on Slack: private channels, messages found again by their metadata, pins and App Homes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery import slack_api
from bot.platforms.port import CallFailure, Failed, Gone, Messenger, Space

METADATA_EVENT = "cspr_notice"


class SlackMessenger(Messenger):
    platform = "slack"

    def __init__(self, client: WebClient, bot_user_id: Callable[[], str]) -> None:
        self.client = client
        self.bot_user_id = bot_user_id

    def conversation(self, destination: str) -> str:
        if destination[0] in "UW":
            return self.client.conversations_open(users=destination)["channel"]["id"]
        return destination

    def post(self, conversation: str, message: dict[str, Any], key: str) -> str:
        response = self.client.chat_postMessage(
            channel=conversation,
            text=message["text"],
            blocks=message["blocks"],
            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
            unfurl_links=False,
            unfurl_media=False,
        )
        return response["ts"]

    def find_posted(self, conversation: str, key: str) -> str | None:
        response = self.client.conversations_history(channel=conversation, limit=200, include_all_metadata=True)
        for posted in response["messages"]:
            metadata = posted.get("metadata") or {}
            if metadata.get("event_type") == METADATA_EVENT and (metadata.get("event_payload") or {}).get("key") == key:
                return posted["ts"]
        return None

    def update(self, conversation: str, message_id: str, message: dict[str, Any], key: str) -> None:
        try:
            self.client.chat_update(channel=conversation, ts=message_id, text=message["text"], blocks=message["blocks"])
        except SlackApiError as exc:
            if exc.response.get("error") == "message_not_found":
                raise Gone() from None
            raise

    def pin(self, conversation: str, message_id: str) -> None:
        try:
            self.client.pins_add(channel=conversation, timestamp=message_id)
        except SlackApiError as exc:
            if exc.response.get("error") != "already_pinned":
                raise

    def open_space(self, name: str, members: list[str], owned_unused: Callable[[str], bool]) -> Space | None:
        # The members are invited afterwards, by the invite that follows every new channel.
        try:
            channel = self.client.conversations_create(name=name, is_private=True)["channel"]
        except SlackApiError as exc:
            if exc.response.get("error") != "name_taken":
                raise
            # Ours already if an earlier attempt made it but its answer was lost.
            channel = self._own_unused_channel(name, owned_unused)
            if channel is None:
                return None
        if not channel.get("is_private"):
            raise Failed(CallFailure("channel_not_private", permanent=True, maybe_done=False))
        return Space(channel["id"], channel["name"])

    def _own_unused_channel(self, name: str, owned_unused: Callable[[str], bool]) -> dict[str, Any] | None:
        cursor = None
        while True:
            page = self.client.conversations_list(
                types="private_channel", exclude_archived=True, limit=200, cursor=cursor
            )
            for channel in page["channels"]:
                if channel["name"] == name and channel.get("creator") == self.bot_user_id():
                    return channel if owned_unused(channel["id"]) else None
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def invite(self, space: str, users: list[str]) -> list[str]:
        try:
            response = self.client.conversations_invite(channel=space, users=",".join(users), force=True)
        except SlackApiError as exc:
            if exc.response.get("error") != "already_in_channel":
                raise
            return ["already_in_channel"]
        return [e.get("error") for e in response.get("errors") or []]

    def archive(self, space: str, name: str) -> None:
        try:
            self.client.conversations_archive(channel=space)
        except SlackApiError as exc:
            if exc.response.get("error") != "already_archived":
                raise

    def publish_home(self, user: str, view: dict[str, Any]) -> None:
        self.client.views_publish(user_id=user, view=view)

    def share_image(self, conversation: str, png: bytes, filename: str, title: str, alt: str) -> str:
        response = self.client.files_upload_v2(
            channel=conversation, file=png, filename=filename, title=title, alt_txt=alt
        )
        return response["file"]["id"]

    def find_image(self, conversation: str, filename: str) -> str | None:
        response = self.client.conversations_history(channel=conversation, limit=200)
        for posted in response["messages"]:
            for shared in posted.get("files") or []:
                if shared.get("name") == filename:
                    return shared["id"]
        return None

    def classify(self, exc: Exception) -> CallFailure | None:
        return slack_api.classify(exc)

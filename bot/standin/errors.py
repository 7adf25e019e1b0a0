"""The error a Web API method answers with, in Slack's words."""

from __future__ import annotations


class SlackError(Exception):
    """`{"ok": false, "error": error, ...}`; `messages` become `response_metadata.messages`."""

    def __init__(self, error: str, *, messages: list[str] | None = None, **extra: object):
        super().__init__(error)
        self.error = error
        self.messages = messages
        self.extra = extra

    def payload(self) -> dict:
        body: dict = {"ok": False, "error": self.error, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body

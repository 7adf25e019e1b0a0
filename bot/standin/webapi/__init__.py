"""The Web API: which methods exist, who may call them, and dispatch to the implementations."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ..errors import SlackError
from ..state import Workspace
from . import chat, conversations, files, identity, pins, views

Method = Callable[[Workspace, dict], dict]

METHODS: dict[str, Method] = {
    **identity.METHODS,
    **conversations.METHODS,
    **chat.METHODS,
    **pins.METHODS,
    **views.METHODS,
    **files.METHODS,
}

# Parameters slack_sdk sends that postdate Slack's published method list.
ALWAYS_ALLOWED = frozenset({"token", "metadata", "markdown_text", "team_id", "force", "include_all_metadata"})
# Methods that postdate Slack's published method list, with the parameters Slack documents for them.
NEWER_METHODS = {
    "files.getUploadURLExternal": ["token", "filename", "length", "alt_txt", "snippet_type"],
    "files.completeUploadExternal": [
        "token",
        "files",
        "channel_id",
        "channels",
        "initial_comment",
        "thread_ts",
        "blocks",
    ],
}


class WebAPI:
    def __init__(self, ws: Workspace, bot_token: str, methods_file: str | Path | None = None):
        self.ws = ws
        self.bot_token = bot_token
        self.known: dict[str, list[str]] | None = None
        if methods_file is not None:
            self.known = {**json.loads(Path(methods_file).read_text()), **NEWER_METHODS}

    def call(self, method: str, params: dict, bearer: str | None) -> dict:
        """The JSON body Slack would answer with."""
        try:
            implementation = self._check(method, params, bearer)
            with self.ws.cond:
                result = implementation(self.ws, params)
                self.ws.changed()
            return {"ok": True, **result}
        except SlackError as error:
            return error.payload()

    def _check(self, method: str, params: dict, bearer: str | None) -> Method:
        implementation = METHODS.get(method)
        if implementation is None or (self.known is not None and method not in self.known):
            raise SlackError("unknown_method")
        token = bearer or params.get("token")
        if not token:
            raise SlackError("not_authed")
        if token != self.bot_token:
            raise SlackError("invalid_auth")
        if self.known is not None:
            unknown = sorted(set(params) - set(self.known[method]) - ALWAYS_ALLOWED)
            if unknown:
                raise SlackError(
                    "invalid_arguments", messages=[f"[ERROR] unknown parameter '{name}'" for name in unknown]
                )
        return implementation

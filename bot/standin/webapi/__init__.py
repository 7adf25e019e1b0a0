"""The Web API: which methods exist, who may call them, and dispatch to the implementations."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ..errors import SlackError
from ..state import Workspace
from . import apps, chat, conversations, files, identity, pins, views

Method = Callable[[Workspace, dict], dict]

METHODS: dict[str, Method] = {
    **identity.METHODS,
    **apps.METHODS,
    **conversations.METHODS,
    **chat.METHODS,
    **pins.METHODS,
    **views.METHODS,
    **files.METHODS,
}

# Parameters slack_sdk sends that postdate Slack's published method list.
ALWAYS_ALLOWED = frozenset({"token", "metadata", "markdown_text", "team_id", "force", "include_all_metadata"})
# Methods missing from Slack's published method list, with the parameters Slack documents for them.
NEWER_METHODS = {
    "apps.connections.open": ["token"],
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
    def __init__(
        self, ws: Workspace, bot_token: str, methods_file: str | Path | None = None, app_token: str | None = None
    ):
        self.ws = ws
        self.bot_token = bot_token
        self.app_token = app_token
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
        expected = self.app_token if method in apps.APP_TOKEN_METHODS else self.bot_token
        if token != expected:
            # Slack tells a known token used for the wrong kind of method from one it does not know.
            known = token in (self.bot_token, self.app_token)
            raise SlackError("not_allowed_token_type" if known else "invalid_auth")
        if self.known is not None:
            unknown = sorted(set(params) - set(self.known[method]) - ALWAYS_ALLOWED)
            if unknown:
                raise SlackError(
                    "invalid_arguments", messages=[f"[ERROR] unknown parameter '{name}'" for name in unknown]
                )
        return implementation

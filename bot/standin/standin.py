"""`SlackStandIn`: a whole Slack workspace in-process, for tests and for the offline demo."""

from __future__ import annotations

import copy
import secrets
import time
from pathlib import Path

from .faults import Fault
from .people import Response, SlackUser, http_body, send_signed
from .rate_limits import RateLimits
from .served import ServedStandIn
from .server import StandInServer
from .state import Call, Channel, Ephemeral, File, Message, ResponsePost, View, Workspace
from .webapi import WebAPI


class SlackStandIn(ServedStandIn):
    """Serves Slack's Web API on 127.0.0.1 and plays the people who use the app.

    The bot talks to `api_url` with a real `slack_sdk.WebClient`; people's commands, clicks and
    submissions arrive at `app_url` signed with `signing_secret`, exactly as from Slack, or with
    `socket_mode` as envelopes over the WebSocket the app opened with `app_token` (`socket`).
    `port` fixes where the Web API answers (0: any free port); `workspace.clock_offset` sets
    Slack's clock apart from the host's. With `rate_limits` (or `rate_limits.enabled` set later)
    calls beyond Slack's published rate limits are answered 429 with a Retry-After.
    """

    thread_name = "slack-standin"
    calls_heading = "last Web API calls"

    def __init__(
        self,
        bot_token: str = "xoxb-test",
        signing_secret: str = "s3cret",
        team_id: str = "T0CSPR",
        bot_user_id: str = "U0BOT",
        bot_name: str = "cspr-bot",
        methods_file: str | Path | None = None,
        trigger_ttl: float = 3.0,
        *,
        port: int = 0,
        team_domain: str = "cspr",
        app_id: str = "A0CSPR",
        bot_id: str = "B0CSPR",
        verification_token: str = "standin-verification-token",
        app_token: str = "xapp-1-A0CSPR-standin",
        socket_mode: bool = False,
        ack_timeout: float | None = None,
        rate_limits: bool = False,
    ):
        self.bot_token = bot_token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.verification_token = verification_token
        self.app_url: str | None = None
        self.workspace = Workspace(
            team_id=team_id,
            team_domain=team_domain,
            bot_user_id=bot_user_id,
            bot_name=bot_name,
            bot_id=bot_id,
            app_id=app_id,
            trigger_ttl=trigger_ttl,
        )
        super().__init__(self.workspace.cond, port)
        self.rate_limits = RateLimits()
        self.rate_limits.enabled = rate_limits
        # Only an app with Socket Mode turned on has an app-level token to connect with.
        self._api = WebAPI(self.workspace, bot_token, methods_file, app_token if socket_mode else None)
        self.socket = None
        if socket_mode:
            # Only here: the WebSocket library is a test dependency, and the demo runs without it.
            from .socket_mode import ACK_TIMEOUT, SocketModeServer

            self.socket = SocketModeServer(
                self.workspace, ack_timeout=ACK_TIMEOUT if ack_timeout is None else ack_timeout
            )

    def new_server(self) -> StandInServer:
        return StandInServer(self.workspace, self._api, self._faults, self.rate_limits, self.port)

    def start(self) -> SlackStandIn:
        super().start()
        self.workspace.base_url = self.base_url  # where uploaded files are downloaded from
        if self.socket is not None:
            self.workspace.socket_link = self.socket.start().open_link
        return self

    def stop(self) -> None:
        if self.socket is not None:
            self.socket.stop()
        super().stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("start() the stand-in first")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"

    def response_url(self, url_id: str) -> str:
        return f"{self.base_url}response/{url_id}"

    # the workspace

    def add_user(self, user_id: str, name: str, *, is_bot: bool = False) -> None:
        self.workspace.add_user(user_id, name, is_bot=is_bot)

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        members: tuple[str, ...] | list[str] | set[str] = (),
    ) -> Channel:
        return self.workspace.add_channel(channel_id, name, is_private=is_private, members=members)

    def archive(self, channel_id: str) -> None:
        self.workspace.archive(channel_id)

    @property
    def channels(self) -> dict[str, Channel]:
        with self.workspace.cond:
            return dict(self.workspace.channels)

    def channel_by_name(self, name: str) -> Channel | None:
        with self.workspace.cond:
            return next((c for c in self.workspace.channels.values() if c.name == name and not c.is_im), None)

    def messages(self, channel_id: str) -> list[Message]:
        with self.workspace.cond:
            channel = self.workspace.channels.get(channel_id)
            return list(channel.messages) if channel else []

    def dm_channel(self, user_id: str) -> str | None:
        with self.workspace.cond:
            channel = self.workspace.im_with(user_id)
            return channel.id if channel else None

    def dms(self, user_id: str) -> list[Message]:
        channel_id = self.dm_channel(user_id)
        return self.messages(channel_id) if channel_id else []

    def file(self, file_id: str) -> File | None:
        """A file the bot uploaded, with its bytes."""
        with self.workspace.cond:
            return self.workspace.files.get(file_id)

    @property
    def views(self) -> dict[str, View]:
        with self.workspace.cond:
            return dict(self.workspace.views)

    @property
    def home_views(self) -> dict[str, View]:
        with self.workspace.cond:
            return dict(self.workspace.home_views)

    @property
    def responses(self) -> list[ResponsePost]:
        with self.workspace.cond:
            return list(self.workspace.responses)

    @property
    def ephemerals(self) -> list[Ephemeral]:
        with self.workspace.cond:
            return list(self.workspace.ephemerals)

    @property
    def calls(self) -> list[Call]:
        with self.workspace.cond:
            return list(self.workspace.calls)

    @property
    def log(self) -> list[dict]:
        with self.workspace.cond:
            return list(self.workspace.log)

    def transcript(self) -> list[dict]:
        with self.workspace.cond:
            return copy.deepcopy(self.workspace.log)

    def recent_calls(self) -> list[str]:
        return [f"  {c.method} -> http {c.http_status}, ok={c.ok}, error={c.error}" for c in self.workspace.calls[-10:]]

    # fault injection: fail, drop, hang and release as every stand-in has them, and Slack's own errors

    def error(self, method: str, error: str, *, times: int = 1) -> None:
        """Answer the next `times` calls with `{"ok": false, "error": error}` without running it."""
        self._faults.add(method, Fault("error", error=error), times)

    # people and events

    def user(self, user_id: str) -> SlackUser:
        return SlackUser(self, user_id)

    def send_event(
        self,
        event: dict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> Response:
        """Deliver an Events API `event_callback`; `retry_num` makes it one of Slack's retries."""
        ws = self.workspace
        envelope = {
            "token": self.verification_token,
            "team_id": ws.team_id,
            "api_app_id": ws.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": ws.team_id,
                    "user_id": ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        return self.send_to_app("events_api", envelope, retry_num=retry_num, retry_reason=retry_reason)

    def send_to_app(
        self, kind: str, payload: dict, *, retry_num: int | None = None, retry_reason: str = "http_timeout"
    ) -> Response:
        """Deliver a request (`kind` is Socket Mode's envelope type: slash_commands, interactive or
        events_api) the way the app takes them: an envelope over its Socket Mode connection, or a
        request signed and POSTed to `app_url`."""
        if self.socket is not None:
            return self.socket.deliver(
                kind, payload, retry_attempt=retry_num or 0, retry_reason=retry_reason if retry_num else ""
            )
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post_signed(*http_body(kind, payload), headers=headers)

    def post_signed(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | str | None = None,
        signature: str | None = None,
        omit_headers: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """POST to `app_url` as Slack would; override the timestamp or signature to forge one."""
        if not self.app_url:
            raise RuntimeError("set standin.app_url to where the app receives Slack's requests")
        if timestamp is None:
            timestamp = int(time.time() + self.workspace.clock_offset)
        return send_signed(
            self.app_url,
            self.signing_secret,
            body,
            content_type,
            timestamp=timestamp,
            signature=signature,
            omit_headers=omit_headers,
            headers=headers,
        )

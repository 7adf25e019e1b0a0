"""HTTP: Slack's requests on POST /slack/events, a health check on GET /healthz, served by waitress
with limits chosen for what Slack sends."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask

from bot.clock_skew import ClockSkew
from bot.http_limits import LIMITS
from bot.refusals import RefusalLog, team_of
from bot.slack_signature import SlackSignature
from storage.db import Database

EVENTS_PATH = "/slack/events"


class SlackFront:
    """The WSGI application. A request to /slack/events is refused here unless Slack signed it,
    and reaches Bolt only once the bot has a Bolt app (Slack accepted the token)."""

    def __init__(self, signing_secret: str, database: Database, skew: ClockSkew) -> None:
        self.refusals = RefusalLog()
        self._signature = SlackSignature(signing_secret)
        self._database = database
        self._skew = skew
        self._bolt: SlackRequestHandler | None = None
        self._waiting_for: str | None = "not connected to Slack yet"

    def serve(self, app: App) -> None:
        self._bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self._waiting_for = None

    def wait(self, reason: str) -> None:
        """Slack's requests are answered 503, and /healthz says why, until `serve`."""
        self._waiting_for = reason

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method == "GET":
            return self._health(start_response)
        if path == EVENTS_PATH and method == "POST":
            return self._slack(environ, start_response)
        return _answer(start_response, "404 Not Found", {"error": "not found"})

    def _health(self, start_response: Callable[..., Any]) -> Iterable[bytes]:
        problems = [] if self._database.ping() else ["database unavailable"]
        if self._waiting_for:
            problems.append(self._waiting_for)
        health: dict[str, str] = {"status": "; ".join(problems) or "ok"}
        if clock := self._skew.problem:
            health["clock"] = clock
        return _answer(start_response, "503 Service Unavailable" if problems else "200 OK", health)

    def _slack(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # waitress has already checked Content-Length and read that much, no more than MAX_BODY.
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        verdict = self._signature.check(
            body, environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"), environ.get("HTTP_X_SLACK_SIGNATURE"), time.time()
        )
        if verdict.signed_at is not None:
            self._skew.observe(verdict.signed_at, "the timestamps of Slack's signed requests")
        if verdict.refusal is not None:
            self.refusals.note(401, verdict.refusal, len(body), team_of(body, environ.get("CONTENT_TYPE")))
            return _answer(start_response, "401 Unauthorized", {"error": "invalid request"})
        if self._bolt is None:
            return _answer(start_response, "503 Service Unavailable", {"error": "not connected to Slack yet"})
        body = _for_bolt(body)
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return self._bolt(environ, start_response)


def _for_bolt(body: bytes) -> bytes:
    """Bolt takes any form body with the word "payload" in it for an interaction's and finds none
    in a command's (`/cspr library payload` would go unanswered): that word in a command's text
    is sent on percent-encoded, which reads the same once decoded. The signature is checked."""
    if b"payload" not in body or body.startswith((b"{", b"payload=")) or b"&payload=" in body:
        return body
    return body.replace(b"payload", b"%70ayload")


def _answer(start_response: Callable[..., Any], status: str, payload: dict[str, str]) -> list[bytes]:
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(payload).encode()]


def http_server(front: SlackFront, host: str, port: int) -> TcpWSGIServer:
    """A waitress server, not yet running: `.run()` serves, `.close()` stops, `.effective_port`."""
    return _Server(front, adj=Adjustments(host=host, port=port, **LIMITS))


class _Parser(HTTPRequestParser):
    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        # waitress would read the chunks and ignore the length; a proxy in front might do the
        # opposite and see a different request (request smuggling), so neither is believed.
        if self.chunked and "CONTENT_LENGTH" in self.headers:
            raise ParsingError("both Content-Length and Transfer-Encoding")


class _RefusalTask(ErrorTask):
    """waitress's answer to a request it refuses itself (too large, malformed), logged like ours."""

    def execute(self) -> None:
        request = self.request
        if 400 <= request.error.code < 500:
            # The reason only: waitress's detail may quote the request.
            size = max(request.content_length, request.body_bytes_received)
            self.channel.server.refusals.note(request.error.code, request.error.reason.lower(), size)
        super().execute()


class _Channel(HTTPChannel):
    parser_class = _Parser
    error_task_class = _RefusalTask


class _Server(TcpWSGIServer):
    channel_class = _Channel

    def __init__(self, front: SlackFront, **kw: Any) -> None:
        self.refusals = front.refusals
        super().__init__(front, **kw)

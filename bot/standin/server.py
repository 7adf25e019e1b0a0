"""The HTTP face of the stand-in: `/api/<method>` and `/response/<id>`, with injected faults."""

from __future__ import annotations

import json
import logging
import time
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import response_urls
from .faults import Fault, Faults
from .rate_limits import RateLimits
from .served import StandInHandler
from .state import Call, Workspace
from .webapi import WebAPI, files
from .webapi.params import parse_json_arguments

_log = logging.getLogger(__name__)


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, ws: Workspace, api: WebAPI, faults: Faults, limits: RateLimits, port: int = 0):
        super().__init__(("127.0.0.1", port), _Handler)
        self.ws = ws
        self.api = api
        self.faults = faults
        self.limits = limits


class BadBody(ValueError):
    """A body Slack could not read; the argument is Slack's error name."""


def parse_params(query: str, body: bytes, content_type: str) -> dict:
    """Query string plus a form or JSON body, whichever slack_sdk sent."""
    params: dict = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";", 1)[0].strip().lower()
    if body:
        try:
            if media_type == "application/json":
                data = json.loads(body)
                if not isinstance(data, dict):
                    raise BadBody("invalid_json")
                params.update(data)
            elif media_type in ("application/x-www-form-urlencoded", ""):
                params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            else:
                raise BadBody("invalid_post_type")
        except BadBody:
            raise
        except ValueError as error:
            raise BadBody("invalid_json" if media_type == "application/json" else "invalid_form_data") from error
    return parse_json_arguments(params)


class _Handler(StandInHandler):
    server: StandInServer

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header, by Slack's clock."""
        return super().date_time_string(time.time() + self.server.ws.clock_offset if timestamp is None else timestamp)

    def _route(self) -> None:
        url = urlsplit(self.path)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_body(400, b"bad Content-Length", "text/plain")
            return
        body = self.rfile.read(length)
        if url.path.startswith("/api/"):
            self._web_api(url.path.removeprefix("/api/"), url.query, body)
        elif url.path.startswith("/response/"):
            self._response_url(url.path.removeprefix("/response/"), body)
        elif url.path.startswith("/upload/v1/") and self.command == "POST":
            self._upload(url.path.removeprefix("/upload/v1/"), body)
        elif url.path.startswith("/files/") and self.command == "GET":
            self._download(url.path.removeprefix("/files/").partition("/")[0])
        else:
            self.send_body(404, b"not found", "text/plain")

    def _web_api(self, method: str, query: str, body: bytes) -> None:
        ws = self.server.ws
        try:
            params = parse_params(query, body, self.headers.get("Content-Type", ""))
        except BadBody as error:
            ws.record_call(Call(method, {}, 200, False, str(error)))
            self._send_json({"ok": False, "error": str(error)})
            return
        recorded = {k: v for k, v in params.items() if k != "token"}
        fault = self.server.faults.take(method)
        if fault is not None and fault.kind not in ("drop", "hang"):
            self._answer_fault(method, recorded, fault)
            return
        if fault is None and (retry_after := self.server.limits.allow(method, params)) is not None:
            self._answer_fault(method, recorded, Fault("status", status=429, retry_after=retry_after))
            return
        if fault is not None and not fault.after_processing:
            ws.record_call(Call(method, recorded, None, False, None))
            self.hang_up()
            return
        # run and record under one lock, so `calls` is in the order the methods took effect
        with ws.cond:
            try:
                answer = self.server.api.call(method, params, _bearer(self.headers.get("Authorization")))
                status = 200
            except Exception as error:  # a stand-in bug: answer loudly rather than hang up
                _log.exception("the stand-in failed on %s", method)
                answer, status = {"ok": False, "error": f"stand-in failure: {error!r}"}, 500
            ws.record_call(Call(method, recorded, None if fault else status, answer["ok"], answer.get("error")))
        if fault is not None and fault.kind == "hang":
            self.server.faults.released.wait(60)
        if fault is not None:
            self.hang_up()
        elif status == 500:
            self.send_body(500, answer["error"].encode(), "text/plain")
        else:
            self._send_json(answer)

    def _answer_fault(self, method: str, params: dict, fault: Fault) -> None:
        if fault.kind == "error":
            self.server.ws.record_call(Call(method, params, 200, False, fault.error))
            self._send_json({"ok": False, "error": fault.error})
            return
        if fault.status == 429:
            self.server.ws.record_call(Call(method, params, 429, False, "ratelimited"))
            headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            self.send_body(429, b'{"ok":false,"error":"ratelimited"}', "application/json", headers)
            return
        phrase = HTTPStatus(fault.status).phrase
        self.server.ws.record_call(Call(method, params, fault.status, False, phrase))
        self.send_body(fault.status, phrase.encode(), "text/plain")

    def _response_url(self, url_id: str, body: bytes) -> None:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = None
        status, text = response_urls.deliver(self.server.ws, url_id, payload)
        self.send_body(status, text.encode(), "text/plain")

    def _upload(self, secret: str, body: bytes) -> None:
        ws = self.server.ws
        with ws.cond:
            status, text = files.receive_upload(ws, secret, body)
            ws.record_call(Call("upload", {"bytes": len(body)}, status, status == 200, None if status == 200 else text))
        self.send_body(status, text.encode(), "text/plain; charset=utf-8")

    def _download(self, file_id: str) -> None:
        """A shared file's `url_private`, for whoever holds the bot's token."""
        ws = self.server.ws
        if _bearer(self.headers.get("Authorization")) != self.server.api.bot_token:
            self.send_body(403, b"not authorised", "text/plain")
            return
        with ws.cond:
            file = ws.files.get(file_id)
            content = file.content if file is not None and file.shared_in is not None else None
        if content is None:
            self.send_body(404, b"no such file", "text/plain")
            return
        assert file is not None
        self.send_body(200, content, file.mimetype)

    def _send_json(self, payload: dict) -> None:
        self.send_body(200, json.dumps(payload).encode(), "application/json; charset=utf-8")


def _bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None

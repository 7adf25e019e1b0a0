"""The HTTP face of the stand-in: one server for every Microsoft service the bot calls, each
under its own path (its "surface"), with access tokens checked, Teams' throttling applied and
faults injected.

    /botframework/v1/.well-known/...   OpenID metadata and keys (no token)
    /login/{tenant}/oauth2/v2.0/token  Entra's token endpoint (form body)
    /teams/v3/...                      the Bot Connector (a Bot Framework token)
    /graph/v1.0/...                    Microsoft Graph (a Graph token)
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..faults import Fault, Faults
from ..served import StandInHandler
from . import connector, graph, login
from .errors import ServiceError, bad_request
from .ratelimit import Window
from .routes import Answer, Request, Route
from .state import Call, Tenant
from .tokens import BOT_RESOURCE, GRAPH_RESOURCE, Issuer

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Surface:
    prefix: str
    routes: list[Route]
    resource: str | None  # the access token's audience, or None for no token
    body: str  # "json" or "form"
    error_shape: str  # "connector", "graph" or "oauth"


class TeamsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        tenant: Tenant,
        issuer: Issuer,
        faults: Faults,
        limits: tuple[Window, Window],
        port: int = 0,
    ):
        super().__init__(("127.0.0.1", port), _Handler)
        self.tenant = tenant
        self.issuer = issuer
        self.faults = faults
        self.per_conversation, self.per_app = limits
        published, token = login.routes(issuer, lambda: self.base_url + "botframework" + login.KEYS_PATH)
        self.surfaces = [
            Surface("/botframework", published, None, "json", "connector"),
            Surface("/login", token, None, "form", "oauth"),
            Surface("/teams", connector.ROUTES, BOT_RESOURCE, "json", "connector"),
            Surface("/graph/v1.0", graph.ROUTES, GRAPH_RESOURCE, "json", "graph"),
        ]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def match(self, method: str, path: str) -> tuple[Surface, Route, dict[str, str]] | None:
        for surface in self.surfaces:
            if path.startswith(surface.prefix + "/"):
                rest = path.removeprefix(surface.prefix)
                for candidate in surface.routes:
                    found = candidate.pattern.match(rest)
                    if found and candidate.method == method:
                        return surface, candidate, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def throttle(self, operation: str, params: dict[str, str]) -> None:
        """Teams' limits: every Bot Connector request counts for the app in the tenant, and each
        message sent, updated or deleted counts for its conversation. A refused request counts for neither."""
        keys = [(self.per_app, "app")]
        if operation in connector.MESSAGE_OPERATIONS:
            keys.append((self.per_conversation, params["conversationId"].split(";", 1)[0]))
        waits = [w for window, key in keys if (w := window.retry_after(key)) is not None]
        if waits:
            raise ServiceError(
                429, "TooManyRequests", "Too many requests; retry later.", headers={"Retry-After": str(max(waits))}
            )
        for window, key in keys:
            window.count(key)


class _Handler(StandInHandler):
    server: TeamsServer

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        try:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        except ValueError:
            self.send_body(400, b"bad Content-Length", "text/plain")
            return
        found = self.server.match(method, url.path)
        if found is None:
            self._send_json(404, {"error": {"code": "NotFound", "message": f"No {method} {url.path} here."}})
            return
        surface, target, params = found
        tenant, faults = self.server.tenant, self.server.faults
        call = Call(target.name, method, url.path, None)
        fault = faults.take(target.name)
        if fault is not None and fault.kind == "status":
            tenant.record_call(call)
            self._answer(surface, call, _fault_error(fault))
            return
        if fault is not None and not fault.after_processing:
            tenant.record_call(call)
            self.hang_up()
            return
        # run and record under one lock, so `calls` is in the order the operations took effect
        with tenant.cond:
            try:
                claims = self._authorize(surface)
                body = _parse(surface, raw, self.headers.get("Content-Type", ""))
                # the client secret stays out of the record, as a real log would keep it out
                call.body = {k: v for k, v in body.items() if k != "client_secret"} if surface.body == "form" else body
                if surface.resource == BOT_RESOURCE:
                    self.server.throttle(target.name, params)
                query = dict(parse_qsl(url.query, keep_blank_values=True))
                answer: Answer | ServiceError = target.run(
                    Request(
                        tenant, self.server.base_url + surface.prefix.lstrip("/"), params, query, body, len(raw), claims
                    )
                )
            except ServiceError as error:
                answer = error
            except Exception as error:  # a stand-in bug: answer loudly rather than hang up
                _log.exception("the stand-in failed on %s", target.name)
                answer = ServiceError(500, "InternalServerError", f"stand-in failure: {error!r}")
            tenant.record_call(call)
            if fault is None:
                self._answer(surface, call, answer)
        if fault is not None:
            if fault.kind == "hang":
                faults.released.wait(60)
            self.hang_up()

    def _authorize(self, surface: Surface) -> dict:
        if surface.resource is None:
            return {}
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        return self.server.issuer.check_access(token.strip() if scheme.lower() == "bearer" else None, surface.resource)

    def _answer(self, surface: Surface, call: Call, answer: Answer | ServiceError) -> None:
        if isinstance(answer, ServiceError):
            call.http_status, call.error = answer.status, answer.code
            self._send_json(answer.status, _error_body(surface, answer), answer.headers)
            return
        call.http_status = answer.status
        if answer.body is None:
            self.send_body(answer.status, b"", None, answer.headers)
        else:
            self._send_json(answer.status, answer.body, answer.headers)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.send_body(status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers)


def _parse(surface: Surface, raw: bytes, content_type: str) -> Any:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if surface.body == "form":
        # Entra reads only a form body; anything else lacks every parameter.
        return (
            dict(parse_qsl(raw.decode("utf-8", "replace"))) if media_type == "application/x-www-form-urlencoded" else {}
        )
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request(
            "The request body is not valid JSON.", "BadSyntax" if surface.error_shape == "connector" else "BadRequest"
        ) from None


def _fault_error(fault: Fault) -> ServiceError:
    phrase = HTTPStatus(fault.status).phrase
    headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    return ServiceError(fault.status, phrase.replace(" ", ""), phrase, headers=headers)


def _error_body(surface: Surface, error: ServiceError) -> dict:
    if surface.error_shape == "connector" and error.status == 401:
        return {"message": "Authorization has been denied for this request."}
    if surface.error_shape == "graph":
        code = "InvalidAuthenticationToken" if error.status == 401 else error.code
        inner = {"date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "request-id": str(uuid.uuid4())}
        return {"error": {"code": code, "message": error.message, "innerError": inner}}
    return error.payload()

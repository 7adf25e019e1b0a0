"""The bot's calls to Microsoft: its own access tokens (client credentials), the Bot Connector at
each conversation's service URL, and Graph. Every address is a setting, so a stand-in can play
Microsoft; a failed call is a `MicrosoftError` with what Microsoft said and when to come back."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bot.settings import TeamsEndpoints

# httpx logs every request at INFO; the outbox logs what failed, once.
logging.getLogger("httpx").setLevel(logging.WARNING)

BOT_SCOPE = "https://api.botframework.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# Renew a token this long before Entra says it expires.
EARLY = 300
# A 429 whose Retry-After is this short (seconds) is waited out inside the call, a few times.
MAX_INLINE_WAIT = 5
RATE_LIMIT_RETRIES = 4


class MicrosoftError(Exception):
    def __init__(self, status: int, code: str, retry_after: int | None = None) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.retry_after = retry_after


@dataclass
class _Token:
    value: str
    renew_at: float


class Microsoft:
    def __init__(self, endpoints: TeamsEndpoints, tenant_id: str, timeout: float = 10.0) -> None:
        assert endpoints.app_id and endpoints.app_password, (
            "TEAMS_APP_ID and TEAMS_APP_PASSWORD are checked at start-up"
        )
        self.endpoints = endpoints
        self.tenant_id = tenant_id
        self.app_id = endpoints.app_id
        self._http = httpx.Client(timeout=timeout)
        self._tokens: dict[str, _Token] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def token(self, scope: str) -> str:
        with self._lock:
            held = self._tokens.get(scope)
            if held is not None and time.monotonic() < held.renew_at:
                return held.value
        response = self._http.post(
            f"{self.endpoints.login_url}/{self.tenant_id}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.app_id,
                "client_secret": self.endpoints.app_password,
                "scope": scope,
            },
        )
        body = _json(response)
        if response.status_code != 200 or "access_token" not in body:
            raise MicrosoftError(
                response.status_code, str(body.get("error") or "token_refused"), _retry_after(response)
            )
        lifetime = int(body.get("expires_in") or 3600)
        with self._lock:
            self._tokens[scope] = _Token(body["access_token"], time.monotonic() + max(60, lifetime - EARLY))
        return body["access_token"]

    def connector(self, method: str, service_url: str, path: str, body: Any = None) -> Any:
        return self._call(method, service_url.rstrip("/") + path, BOT_SCOPE, body)

    def graph(self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None) -> Any:
        return self._call(method, self.endpoints.graph_api_url + path, GRAPH_SCOPE, body, params)

    def _call(self, method: str, url: str, scope: str, body: Any, params: dict[str, str] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token(scope)}"}
        for _ in range(RATE_LIMIT_RETRIES):
            response = self._http.request(method, url, json=body, params=params, headers=headers)
            # Teams answers a burst (about 7 messages a second in a conversation) with 429 and did
            # nothing: a short wait, as Retry-After says, is cheaper than the outbox's backoff.
            wait = _retry_after(response) if response.status_code == 429 else None
            if wait is None or wait > MAX_INLINE_WAIT:
                break
            time.sleep(max(wait, 0.2))
        if response.status_code >= 400:
            answer = _json(response)
            error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
            raise MicrosoftError(response.status_code, str(error.get("code") or "error"), _retry_after(response))
        return _json(response) if response.content else {}


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"value": body}


def _retry_after(response: httpx.Response) -> int | None:
    try:
        return max(0, int(response.headers.get("Retry-After", "")))
    except ValueError:
        return None

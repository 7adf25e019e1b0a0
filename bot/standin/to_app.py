"""Requests a stand-in sends to the app under test, and what the app answered."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

# No proxy: the app under test is always local.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Response:
    """What the app answered."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body.strip() else None
        except ValueError:
            return None


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float = 10.0) -> Response:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return Response(answer.status, dict(answer.headers.items()), answer.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers.items()), error.read().decode("utf-8"))

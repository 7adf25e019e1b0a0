"""What a service operation is given and answers, and how operations are named and routed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .state import Tenant


@dataclass
class Request:
    tenant: Tenant
    base: str  # the service's base URL, for links in answers
    params: dict[str, str]  # from the path
    query: dict[str, str]
    body: Any  # the parsed JSON (None when empty)
    size: int  # bytes in the body
    claims: dict  # the caller's access token


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Operation = Callable[[Request], Answer]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    name: str  # the operation's name in `calls` and for faults, e.g. "send_activity"
    run: Operation


def route(method: str, path: str, name: str, run: Operation) -> Route:
    """`path` with `{param}` placeholders, each one path segment."""
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(path).replace(r"\{", "{").replace(r"\}", "}"))
    return Route(method, re.compile(f"^{pattern}$"), name, run)

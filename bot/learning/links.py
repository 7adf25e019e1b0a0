"""Links to published material: https only, well formed, never carrying credentials."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

LINK_MAX = 500
_HOST = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}")
# Characters that cannot appear in a web address as typed, or would break a Slack link.
_UNSAFE = re.compile(r"[\s<>\"'`|\\^{}]")


def link_problem(url: str) -> str | None:
    """Why `url` cannot be shown as a link to published material, or None."""
    if len(url) > LINK_MAX:
        return f"Keep the link within {LINK_MAX} characters."
    if not url.lower().startswith("https://"):
        return "Use a link that starts with https://."
    if _UNSAFE.search(url) or not url.isprintable():
        return "That is not a web address: it has spaces or characters a link cannot have."
    parts = urlsplit(url)
    if "@" in parts.netloc:
        return "Leave user names and passwords out of the link."
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "That is not a web address: the port is not a number."
    if not parts.hostname or not _HOST.fullmatch(parts.hostname):
        return "That is not a web address: give the whole address, like https://www.example.org/report.pdf."
    return None

"""Turning values into Slack text safely: user text can never ping, link or break a block."""

from __future__ import annotations

import re

from markupsafe import Markup

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")


def escape(text: str) -> str:
    """Slack's mrkdwn escaping: with &, < and > escaped, `<!channel>` or `<@U1>` typed into a
    form shows as typed instead of notifying anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> Markup:
    """Escape, then cut to `limit` characters without splitting an entity like `&amp;`."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return Markup(escaped)
    cut = _ENTITY_TAIL.sub("", escaped[: limit - 1])
    return Markup(cut + "…")


def mention(user_id: str) -> Markup:
    if not _USER_ID.match(user_id or ""):
        return Markup(escape(user_id or "someone"))
    return Markup(f"<@{user_id}>")


def channel_link(channel_id: str) -> Markup:
    if not _CHANNEL_ID.match(channel_id or ""):
        return Markup(escape(channel_id or "the case channel"))
    return Markup(f"<#{channel_id}>")

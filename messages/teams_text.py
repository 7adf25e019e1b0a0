"""Turning values into Teams text safely: what people type can never mention, link or format.

Adaptive Cards render a subset of Markdown in TextBlocks; every character that starts markup is
escaped with a backslash, which Markdown shows as the character itself. A mention is only one the
bot means: `<at>…</at>` with an entity the card carries, added when the card is sent.
"""

from __future__ import annotations

import re
from contextvars import ContextVar

from markupsafe import Markup

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")
_ENTRA_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# The people a card being rendered mentions, in order: the sender makes an entity for each.
mentioned: ContextVar[list[str]] = ContextVar("mentioned")


def escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def clip(text: str, limit: int) -> Markup:
    """Escape, then cut to `limit` characters without leaving a lone backslash."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return Markup(escaped)
    cut = escaped[: limit - 1]
    if (len(cut) - len(cut.rstrip("\\"))) % 2:
        cut = cut[:-1]
    return Markup(cut + "…")


def mention(user_id: str) -> Markup:
    """`<at>id</at>`, its display name put in when the card is sent; anything else is text."""
    if not _ENTRA_ID.match(user_id or ""):
        return Markup(escape(user_id or "someone"))
    found = mentioned.get(None)
    if found is not None and user_id not in found:
        found.append(user_id)
    return Markup(f"<at>{user_id}</at>")


def channel_link(channel_id: str) -> Markup:
    """Teams cards cannot link to a chat by id: the words say where instead."""
    return Markup("the case chat")


def plain(text: str, limit: int = 300) -> str:
    """A notification preview: Teams shows it as typed, so it is only made one line and short."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"

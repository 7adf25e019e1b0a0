"""Turning values into Slack text safely: user text can never ping, link or break a block."""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

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


def day(value: date) -> str:
    """Dates as the partnership writes them: Thu 8 Jan 2026."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def iso_day(text: str) -> str:
    """An ISO date (2026-01-08) as the partnership writes it: Thu 8 Jan 2026."""
    return day(date.fromisoformat(text))


_MONTHS = "January February March April May June July August September October November December".split()


def published_label(text: str | None) -> str:
    """A publication date as precisely as it is known: 2019, June 2019 or 14 June 2019."""
    if not text:
        return "date not recorded"
    year, _, rest = text.partition("-")
    if not rest:
        return year
    month, _, day_of_month = rest.partition("-")
    label = f"{_MONTHS[int(month) - 1]} {year}"
    return f"{int(day_of_month)} {label}" if day_of_month else label


def moment(value: datetime, tz: tzinfo) -> str:
    """A moment in the partnership's time zone: Thu 8 Jan 2026 14:05."""
    local = value.astimezone(tz)
    return f"{day(local.date())} {local:%H:%M}"


def working_days(count: int) -> str:
    if count == 1:
        return "1 working day"
    return f"{count} working days"


def days_left(count: int) -> str:
    if count > 0:
        return f"{working_days(count)} left"
    if count == 0:
        return "due today"
    return f"{working_days(-count)} overdue"

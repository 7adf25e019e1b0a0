"""How dates and counts are put into words, on every platform: Thu 8 Jan 2026, 3 working days left."""

from __future__ import annotations

from datetime import date, datetime, tzinfo


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

"""What a library entry holds, and the rules for each of its fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.free_text import clean

REVIEW_TYPES = ("SCR", "LCSPR", "CSPR", "thematic", "learning review", "national")
MATERIALS = {
    "full_report": "Full report",
    "executive_summary": "Executive summary",
    "seven_minute_briefing": "7-minute briefing",
    "learning_briefing": "Learning briefing",
    "slides": "Slides",
    "video": "Video",
}
STATUSES = {"published": "Published", "not_published": "Not published", "summary_only": "Summary only published"}
TITLE_MAX = 150
THEME_MAX = 100
THEMES_MAX = 15
_PUBLISHED = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


@dataclass(frozen=True)
class Review:
    """One published (or deliberately unpublished) review, as the library shows it."""

    title: str
    review_type: str
    published: str | None  # YYYY, YYYY-MM or YYYY-MM-DD: as precisely as it is known
    themes: tuple[str, ...] = ()
    links: dict[str, str] = field(default_factory=dict)  # material -> https link, only those given
    status: str = "published"


def import_key(title: str, review_type: str) -> str:
    """An imported review is the same one again when its type and title are (ignoring case and spacing)."""
    return f"{review_type}|{' '.join(title.casefold().split())}"[:240]


def case_key(ref: str) -> str:
    return f"case|{ref}"


def review_type(text: str) -> str | None:
    """The canonical spelling of a review type, whatever its case, or None if it is not one."""
    wanted = " ".join(text.split()).casefold()
    return next((kind for kind in REVIEW_TYPES if kind.casefold() == wanted), None)


def title_problem(title: str) -> str | None:
    if not title:
        return "Give the review's title, as it is published (never a child's name)."
    if len(title) > TITLE_MAX:
        return f"Keep the title within {TITLE_MAX} characters."
    return None


def published_problem(text: str, today: date) -> str | None:
    """`text` is a year, a month or a day: 2019, 2019-06 or 2019-06-14, not after today."""
    match = _PUBLISHED.fullmatch(text)
    if not match:
        return f"{text!r} is not a date like 2019, 2019-06 or 2019-06-14."
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        first = date(year, month or 1, day or 1)
    except ValueError:
        return f"{text!r} is not a real date."
    if first > today:
        return f"{text!r} is in the future."
    return None


def themes(text: str, separator: str) -> tuple[str, ...]:
    """Themes typed as free words: trimmed, cleaned, without repeats, in the order given."""
    found: dict[str, str] = {}
    for part in text.split(separator):
        theme = " ".join(clean(part).split())
        if theme and theme.casefold() not in found:
            found[theme.casefold()] = theme
    return tuple(found.values())


def themes_problem(given: tuple[str, ...]) -> str | None:
    if len(given) > THEMES_MAX:
        return f"Give at most {THEMES_MAX} themes."
    long = next((theme for theme in given if len(theme) > THEME_MAX), None)
    if long is not None:
        return f"Keep each theme within {THEME_MAX} characters."
    return None

"""The publication form: a review's title, date, themes and links to its published material.

Pure: `validate` takes the raw form values and answers with a `Briefing` or errors keyed by the
form's block ids, ready for Slack's `response_action: errors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.free_text import clean, iso_date
from bot.learning.entries import MATERIALS, themes, themes_problem, title_problem
from bot.learning.links import link_problem

THEME_SEPARATOR = ","


@dataclass(frozen=True)
class Briefing:
    title: str
    published_on: date
    themes: tuple[str, ...]
    links: dict[str, str]


def validate(raw: dict[str, Any], today: date) -> Briefing | dict[str, str]:
    errors: dict[str, str] = {}
    title = " ".join(clean(raw.get("title")).split())
    if problem := title_problem(title):
        errors["title"] = problem
    published_on = iso_date(raw.get("published_on"))
    if published_on is None:
        errors["published_on"] = "Choose the publication date."
    elif published_on > today:
        errors["published_on"] = "The publication date cannot be in the future."
    found = themes(clean(raw.get("themes")), THEME_SEPARATOR)
    if problem := themes_problem(found):
        errors["themes"] = problem
    links = {}
    for material in MATERIALS:
        link = clean(raw.get(material))
        if link and (problem := link_problem(link)):
            errors[material] = problem
        elif link:
            links[material] = link
    if not links and not any(material in errors for material in MATERIALS):
        errors[next(iter(MATERIALS))] = "Give at least one link to the published material."
    if errors:
        return errors
    assert published_on is not None
    return Briefing(title=title, published_on=published_on, themes=found, links=links)

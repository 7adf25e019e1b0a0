"""Action plans, pure: what a recommendation's action must say, its states, and when its owner is
reminded. Every function takes the dates it reasons about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.free_text import clean, iso_date
from bot.learning.links import link_problem
from bot.partnership import Partnership
from bot.working_days import WorkingCalendar

TEXT_MAX = 1000
MEASURE_MAX = 500
NOTE_MAX = 1000
ACTIONS_MAX = 20  # a recommendation's card shows them all within Slack's 50 blocks
STATES = {"open": "Open", "completed": "Completed, awaiting sign-off", "signed_off": "Completed and signed off"}
# Reminders to the owner: 10 and 5 working days before, on the due day, then weekly while overdue.
POINTS = (10, 5, 0)
OVERDUE_EVERY = timedelta(days=7)


@dataclass(frozen=True)
class ActionDraft:
    agency: str
    owner: str
    due_on: date
    measure: str


def draft(raw: dict[str, Any], partnership: Partnership, today: date) -> ActionDraft | dict[str, str]:
    """An action from the form's values, or errors keyed by the form's block ids."""
    errors = {}
    agency = partnership.agency(raw.get("agency") if isinstance(raw.get("agency"), str) else "")
    if agency is None:
        errors["agency"] = "Choose the agency that owns the action."
    owner = raw.get("owner") if isinstance(raw.get("owner"), str) else ""
    if not owner:
        errors["owner"] = "Choose the person who owns the action: a lead of its agency."
    elif agency is not None and owner not in agency.leads:
        errors["owner"] = f"The owner must be a lead for {agency.name} in the partnership file."
    due_on = iso_date(raw.get("due_on"))
    if due_on is None:
        errors["due_on"] = "Choose the date the action is due."
    elif due_on < today:
        errors["due_on"] = "The due date cannot be in the past."
    measure = clean(raw.get("measure"))
    if len(measure) > MEASURE_MAX:
        errors["measure"] = f"Keep the success measure within {MEASURE_MAX} characters."
    if errors:
        return errors
    assert agency is not None and due_on is not None
    return ActionDraft(agency=agency.key, owner=owner, due_on=due_on, measure=measure)


def text_problem(text: str, what: str, limit: int) -> str | None:
    if not text:
        return f"Write the {what}."
    if len(text) > limit:
        return f"Keep the {what} within {limit} characters."
    return None


def evidence_problem(link: str) -> str | None:
    if not link:
        return "Link to the evidence that the action is done (https://…)."
    return link_problem(link)


def reminder_slot(due_on: date, today: date, calendar: WorkingCalendar) -> str | None:
    """The owner's reminder that counts today: the latest point reached before the due date
    ("10", "5", "0"), or the week of being overdue ("overdue 2026-03-09"), or None yet."""
    if today <= due_on:
        left = calendar.days_left(today, due_on)
        reached = [point for point in POINTS if point >= left]
        return str(min(reached)) if reached else None
    weeks = (today - due_on) // OVERDUE_EVERY
    return f"overdue {(due_on + OVERDUE_EVERY * weeks).isoformat()}" if weeks else None


def overdue(state: str, due_on: date, today: date) -> bool:
    return state == "open" and due_on < today

"""The Panel's answer to a rapid review, and when to chase it. Pure: dates in, dates out."""

from __future__ import annotations

from datetime import date, timedelta

from bot.review.stages import Stage
from bot.working_days import WorkingCalendar

ANSWERS = {
    "agrees": "Agrees with the decision",
    "local_cspr": "Asks for a local CSPR",
    "national": "Will carry out a national review",
    "other": "Other",
}
# The Panel answers in about 10 working days; the chair is chased once after 15, then weekly.
CHASE_AFTER_WORKING_DAYS = 15
CHASE_EVERY = timedelta(days=7)
NOTE_MAX = 1000


def after_answer(stage: Stage, answer: str) -> Stage:
    """A local CSPR under way carries on whatever the Panel says; otherwise the Panel asking for
    one starts it, and any other answer leaves nothing more to do but close the case."""
    if stage is Stage.LOCAL_REVIEW or answer == "local_cspr":
        return Stage.LOCAL_REVIEW
    return Stage.CONCLUDED


def first_chase(sent_on: date, calendar: WorkingCalendar) -> date:
    return calendar.add(sent_on, CHASE_AFTER_WORKING_DAYS)


def chase_point(sent_on: date, today: date, calendar: WorkingCalendar) -> date | None:
    """The chase that counts today: the first one, or the latest weekly one since, or None yet.
    A chase falling on a day off goes out on the next working day, still as that week's."""
    first = first_chase(sent_on, calendar)
    if today < first:
        return None
    return first + CHASE_EVERY * ((today - first) // CHASE_EVERY)

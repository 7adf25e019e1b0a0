"""Which time-driven notices are due for a case at a given moment. Pure: the case's dates and
`now` in, a list of (kind, slot) out; the clockwork claims each slot once in the ledger.

Only working days ever have anything due. A point that was missed while the bot was down is
caught up once, with the current count, rather than replayed: the latest point reached by today
is the one that matters now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.learning import actions
from bot.partnership import Partnership
from bot.review import local_review, panel
from bot.review.stages import NOTIFICATION_STAGES, REVIEW_STAGES, Stage
from bot.working_days import WorkingCalendar

NOTIFICATION_POINTS = (2, 1, 0)

COUNTDOWN = "countdown"  # the pinned case card's edit when the time left changes
REMINDER = "reminder"
OVERDUE = "overdue"
NOTIFICATION = "notification"
NOTIFICATION_OVERDUE = "notification_overdue"
PANEL_CHASE = "panel_chase"  # the Panel's answer is not recorded yet
REVIEW_REMINDER = "review_reminder"  # a local CSPR's publication target
REVIEW_OVERDUE = "review_overdue"
PUBLISHABLE = "publishable"  # the publication notice period has run
ACTION_REMINDER = "action_reminder"  # an action of an action plan, to its owner
ACTION_OVERDUE = "action_overdue"


@dataclass(frozen=True)
class CaseDates:
    """What a case's timetable depends on, read in one query for every open case."""

    stage: str
    notification_due: date
    review_due: date | None = None
    sent_to_panel_on: date | None = None
    panel_answered: bool = False
    review_decided_on: date | None = None  # the decision to hold a local CSPR
    report_sent_on: date | None = None  # the final report went to the Panel and the Secretary of State
    publication_settled: bool = False  # published, or a decision not to publish in full recorded


@dataclass(frozen=True)
class Due:
    kind: str
    slot: str  # the ledger slot: a countdown point such as "5", or the day for daily notices
    days_left: int


def claim_key(ref: str, kind: str, slot: str) -> str:
    """The ledger key of a case's time-driven notice: `2026-004|reminder|5`."""
    return f"{ref}|{kind}|{slot}"


def _point(points: tuple[int, ...], days_left: int) -> str | None:
    reached = [point for point in points if point >= days_left]
    return str(min(reached)) if reached else None


def due_for_case(dates: CaseDates, partnership: Partnership, calendar: WorkingCalendar, now: datetime) -> list[Due]:
    local = now.astimezone(partnership.timezone)
    today = local.date()
    if not calendar.is_working_day(today):
        return []
    reminder_time = local.time() >= partnership.reminders.at
    stage = Stage(dates.stage)
    due: list[Due] = []
    if stage in REVIEW_STAGES and dates.review_due is not None:
        left = calendar.days_left(today, dates.review_due)
        due.append(Due(COUNTDOWN, today.isoformat(), left))
        if reminder_time and left < 0:
            due.append(Due(OVERDUE, today.isoformat(), left))
        elif reminder_time and (point := _point(partnership.reminders.days_left, left)) is not None:
            due.append(Due(REMINDER, point, left))
    elif stage in NOTIFICATION_STAGES and reminder_time:
        left = calendar.days_left(today, dates.notification_due)
        if left < 0:
            due.append(Due(NOTIFICATION_OVERDUE, today.isoformat(), left))
        elif (point := _point(NOTIFICATION_POINTS, left)) is not None:
            due.append(Due(NOTIFICATION, point, left))
    if stage in (Stage.AWAITING_PANEL, Stage.LOCAL_REVIEW) and dates.sent_to_panel_on and not dates.panel_answered:
        chase = panel.chase_point(dates.sent_to_panel_on, today, calendar)
        if reminder_time and chase is not None:
            due.append(Due(PANEL_CHASE, chase.isoformat(), calendar.days_left(today, chase)))
    if stage is Stage.LOCAL_REVIEW and dates.review_decided_on and not dates.publication_settled:
        due += _local_review(dates, partnership, calendar, today, reminder_time)
    return due


def _local_review(
    dates: CaseDates, partnership: Partnership, calendar: WorkingCalendar, today: date, reminder_time: bool
) -> list[Due]:
    assert dates.review_decided_on is not None
    target_on = local_review.target(dates.review_decided_on)
    left = (target_on - today).days
    # The card shows months and weeks left: it is edited only when that text changes.
    due = [Due(COUNTDOWN, local_review.time_left(today, target_on), left)]
    if not reminder_time:
        return due
    if left < 0:
        due.append(Due(REVIEW_OVERDUE, today.isoformat(), left))
    elif (point := local_review.reminder_point(dates.review_decided_on, today)) is not None:
        due.append(Due(REVIEW_REMINDER, point, left))
    if dates.report_sent_on is not None:
        earliest = calendar.add(dates.report_sent_on, partnership.publication_notice_working_days)
        if today >= earliest:
            due.append(Due(PUBLISHABLE, "notice-given", (earliest - today).days))
    return due


def due_for_action(due_on: date, partnership: Partnership, calendar: WorkingCalendar, now: datetime) -> list[Due]:
    """An open action's reminder to its owner: at the reminder time on working days only."""
    local = now.astimezone(partnership.timezone)
    today = local.date()
    if not calendar.is_working_day(today) or local.time() < partnership.reminders.at:
        return []
    slot = actions.reminder_slot(due_on, today, calendar)
    if slot is None:
        return []
    kind = ACTION_OVERDUE if today > due_on else ACTION_REMINDER
    return [Due(kind, slot, calendar.days_left(today, due_on))]


def digest_day(partnership: Partnership, calendar: WorkingCalendar, now: datetime) -> date | None:
    """Today, if today's digest is due (a working day, at or after the digest time)."""
    local = now.astimezone(partnership.timezone)
    if calendar.is_working_day(local.date()) and local.time() >= partnership.digest_at:
        return local.date()
    return None

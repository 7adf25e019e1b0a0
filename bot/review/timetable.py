"""Which time-driven notices are due for a case at a given moment. Pure: state and `now` in,
a list of (kind, slot) out; the clockwork claims each slot once in the ledger.

Only working days ever have anything due. A countdown point that was missed while the bot was
down is caught up once, with the current count, rather than replayed: the smallest configured
point at or above today's working days left is the one that matters now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.partnership import Partnership
from bot.review.stages import NOTIFICATION_STAGES, REVIEW_STAGES, Stage
from bot.working_days import WorkingCalendar

NOTIFICATION_POINTS = (2, 1, 0)

COUNTDOWN = "countdown"  # the pinned case card's daily edit
REMINDER = "reminder"
OVERDUE = "overdue"
NOTIFICATION = "notification"
NOTIFICATION_OVERDUE = "notification_overdue"


@dataclass(frozen=True)
class Due:
    kind: str
    slot: str  # the ledger slot: a countdown point such as "5", or the day for daily notices
    days_left: int


def _point(points: tuple[int, ...], days_left: int) -> str | None:
    reached = [point for point in points if point >= days_left]
    return str(min(reached)) if reached else None


def due_for_case(
    stage: str,
    notification_due: date,
    review_due: date | None,
    partnership: Partnership,
    calendar: WorkingCalendar,
    now: datetime,
) -> list[Due]:
    local = now.astimezone(partnership.timezone)
    today = local.date()
    if not calendar.is_working_day(today):
        return []
    reminder_time = local.time() >= partnership.reminders.at
    due: list[Due] = []
    if Stage(stage) in REVIEW_STAGES and review_due is not None:
        left = calendar.days_left(today, review_due)
        due.append(Due(COUNTDOWN, today.isoformat(), left))
        if reminder_time and left < 0:
            due.append(Due(OVERDUE, today.isoformat(), left))
        elif reminder_time and (point := _point(partnership.reminders.days_left, left)) is not None:
            due.append(Due(REMINDER, point, left))
    elif Stage(stage) in NOTIFICATION_STAGES and reminder_time:
        left = calendar.days_left(today, notification_due)
        if left < 0:
            due.append(Due(NOTIFICATION_OVERDUE, today.isoformat(), left))
        elif (point := _point(NOTIFICATION_POINTS, left)) is not None:
            due.append(Due(NOTIFICATION, point, left))
    return due


def digest_day(partnership: Partnership, calendar: WorkingCalendar, now: datetime) -> date | None:
    """Today, if today's digest is due (a working day, at or after the digest time)."""
    local = now.astimezone(partnership.timezone)
    if calendar.is_working_day(local.date()) and local.time() >= partnership.digest_at:
        return local.date()
    return None

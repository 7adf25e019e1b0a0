"""A local child safeguarding practice review (LCSPR): its milestones, its publication target and
the rule for publishing it. Pure: every function takes the dates it reasons about."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from bot.working_days import WorkingCalendar
from messages.wording import day

MILESTONES = {
    "reviewer": "Reviewer appointed",
    "terms": "Terms of reference agreed",
    "agency-reports": "Agency reports received",
    "practitioners": "Practitioners' event held",
    "family": "Family invited to contribute",
    "draft": "Draft report received",
    "approved": "Final report approved by the safeguarding partners",
    "sent": "Report sent to the Panel and the Secretary of State",
    "published": "Published",
}
# Recorded with its own form (the reasons are asked for), not as a dated milestone.
NOT_PUBLISHED = "not-published"
PUBLICATION_DECISIONS = {"not_published": "Not published", "summary_only": "Summary only published"}
TARGET_MONTHS = 6
REASONS_MAX = 1000


def target(decided_on: date) -> date:
    """Published within 6 calendar months of the decision to hold the review; relativedelta
    takes the end of the month when the day does not exist (31 Aug → 28 or 29 Feb)."""
    return decided_on + relativedelta(months=TARGET_MONTHS)


def time_left(today: date, target_on: date) -> str:
    """Months and weeks, as people plan a review: "4 months, 2 weeks left", "1 week, 3 days overdue"."""
    if today == target_on:
        return "target today"
    later, earlier = (target_on, today) if today < target_on else (today, target_on)
    span = relativedelta(later, earlier)
    months, weeks, days = span.years * 12 + span.months, span.days // 7, span.days % 7
    # Within the last month the days count too, so each day's notice reads differently.
    parts = [_count(number, unit) for number, unit in ((months, "month"), (weeks, "week")) if number]
    if days and not months:
        parts.append(_count(days, "day"))
    return ", ".join(parts) + (" left" if today < target_on else " overdue")


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def reminder_points(decided_on: date) -> list[tuple[str, date]]:
    """(slot, date) of each reminder before the target, in date order: monthly until the last
    month ("5m" … "1m"), then weekly ("3w" … "1w"), then the target day itself."""
    target_on = target(decided_on)
    monthly = [(f"{TARGET_MONTHS - k}m", decided_on + relativedelta(months=k)) for k in range(1, TARGET_MONTHS)]
    weekly = [(f"{k}w", target_on - timedelta(weeks=k)) for k in (3, 2, 1)]
    return [*monthly, *weekly, ("target", target_on)]


def reminder_point(decided_on: date, today: date) -> str | None:
    """The latest point reached by today: missed ones are caught up once, not replayed."""
    reached = [slot for slot, on in reminder_points(decided_on) if on <= today]
    return reached[-1] if reached else None


def settled(publication: str | None, recorded: Collection[str]) -> bool:
    """Published, or a decision not to publish in full recorded: the target no longer counts and
    the case may be closed."""
    return publication is not None or "published" in recorded


def next_milestone(recorded: Collection[str]) -> str | None:
    return next((key for key in MILESTONES if key not in recorded), None)


def date_problem(on: date, today: date, decided_on: date) -> str | None:
    if on > today:
        return "The date cannot be in the future."
    if on < decided_on:
        return f"The date cannot be before the decision to hold the review ({day(decided_on)})."
    return None


def earliest_publication(recorded: Mapping[str, date], calendar: WorkingCalendar, notice_days: int) -> date | None:
    """The first day the review may be published, once the report has been approved and sent."""
    if "approved" not in recorded or "sent" not in recorded:
        return None
    return max(recorded["approved"], calendar.add(recorded["sent"], notice_days))


def publication_problem(
    recorded: Mapping[str, date], on: date, calendar: WorkingCalendar, notice_days: int
) -> str | None:
    """Why the review cannot be published on `on`, or None. The Panel and the Secretary of State
    must have had the final report `notice_days` working days before publication."""
    if "approved" not in recorded:
        return "The final report must be approved by the safeguarding partners first (milestone `approved`)."
    if "sent" not in recorded:
        return "The final report must go to the Panel and the Secretary of State first (milestone `sent`)."
    earliest = earliest_publication(recorded, calendar, notice_days)
    assert earliest is not None
    if on < earliest:
        return (
            f"The Panel and the Secretary of State must have the final report {notice_days} working days before "
            f"publication: the earliest publication date is {day(earliest)}."
        )
    return None

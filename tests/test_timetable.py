"""What is due when: pure rules, checked against the calendar for a whole year."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.partnership import load
from bot.review.timetable import (
    COUNTDOWN,
    NOTIFICATION,
    NOTIFICATION_OVERDUE,
    OVERDUE,
    REMINDER,
    CaseDates,
    Due,
    digest_day,
    due_for_case,
)
from bot.working_days import WorkingCalendar

PARTNERSHIP = load(Path(__file__).parent / "data" / "partnership.yaml")
CALENDAR = WorkingCalendar(PARTNERSHIP.closure_days)


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARTNERSHIP.timezone)


def due(stage: str, now: datetime, *, review_due=date(2026, 4, 15), notification_due=date(2026, 3, 27)) -> list[Due]:
    return due_for_case(CaseDates(stage, notification_due, review_due), PARTNERSHIP, CALENDAR, now)


def test_nothing_is_ever_due_on_a_weekend_bank_holiday_or_closure_day():
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    while moment < datetime(2027, 1, 10, tzinfo=UTC):
        local_day = moment.astimezone(PARTNERSHIP.timezone).date()
        if not CALENDAR.is_working_day(local_day):
            for stage in ("referred", "rapid_review", "decided"):
                assert due(stage, moment, review_due=local_day + timedelta(days=3)) == []
            assert digest_day(PARTNERSHIP, CALENDAR, moment) is None
        moment += timedelta(minutes=30)


def test_countdown_points_fire_at_the_reminder_time_in_london_time():
    # 10 working days before Wed 15 Apr 2026 is Mon 30 Mar, the day after the clocks went forward.
    assert due("rapid_review", london("2026-03-30T08:59")) == [Due(COUNTDOWN, "2026-03-30", 10)]
    assert due("rapid_review", london("2026-03-30T09:00")) == [
        Due(COUNTDOWN, "2026-03-30", 10),
        Due(REMINDER, "10", 10),
    ]
    assert london("2026-03-30T09:00").astimezone(UTC).hour == 8
    assert due("rapid_review", london("2026-04-15T09:30"))[1] == Due(REMINDER, "0", 0)
    assert due("rapid_review", london("2026-04-16T09:30"))[1] == Due(OVERDUE, "2026-04-16", -1)


def test_between_points_the_latest_point_reached_is_the_slot():
    # 7 working days left: the 10-day point was reached and is the one that counts (sent once).
    assert due("rapid_review", london("2026-04-02T10:00"))[1] == Due(REMINDER, "10", 7)
    # 15 left: no point reached yet.
    assert due("rapid_review", london("2026-03-23T10:00")) == [Due(COUNTDOWN, "2026-03-23", 15)]


def test_notification_deadline_points_while_waiting_for_triage():
    assert due("referred", london("2026-03-24T10:00")) == []  # 3 working days left
    assert due("referred", london("2026-03-25T10:00")) == [Due(NOTIFICATION, "2", 2)]
    assert due("referred", london("2026-03-27T10:00")) == [Due(NOTIFICATION, "0", 0)]
    assert due("referred", london("2026-03-30T10:00")) == [Due(NOTIFICATION_OVERDUE, "2026-03-30", -1)]


def test_closed_and_local_review_cases_have_nothing_due():
    for stage in ("closed", "local_review"):
        assert due(stage, london("2026-04-15T10:00")) == []


def test_digest_day():
    assert digest_day(PARTNERSHIP, CALENDAR, london("2026-03-23T08:29")) is None
    assert digest_day(PARTNERSHIP, CALENDAR, london("2026-03-23T08:30")) == date(2026, 3, 23)
    assert digest_day(PARTNERSHIP, CALENDAR, london("2026-04-06T10:00")) is None  # Easter Monday

"""A local CSPR's rules and the Panel's answer, pure: targets, time left, reminder points, the
publication notice, and when to chase the Panel."""

from datetime import date
from pathlib import Path

import pytest

from bot.partnership import load
from bot.review import local_review, panel
from bot.review.stages import Stage
from bot.working_days import WorkingCalendar

CALENDAR = WorkingCalendar(load(Path(__file__).parent / "data" / "partnership.yaml").closure_days)


@pytest.mark.parametrize(
    ("decided", "target"),
    [
        (date(2026, 1, 5), date(2026, 7, 5)),
        (date(2026, 8, 31), date(2027, 2, 28)),  # no 31 February: the end of the month
        (date(2027, 8, 31), date(2028, 2, 29)),  # a leap year
        (date(2026, 12, 30), date(2027, 6, 30)),
    ],
)
def test_the_target_is_six_calendar_months_after_the_decision(decided, target):
    assert local_review.target(decided) == target


@pytest.mark.parametrize(
    ("today", "label"),
    [
        (date(2026, 1, 5), "6 months left"),
        (date(2026, 1, 20), "5 months, 2 weeks left"),
        (date(2026, 6, 5), "1 month left"),
        (date(2026, 6, 20), "2 weeks, 1 day left"),
        (date(2026, 7, 4), "1 day left"),
        (date(2026, 7, 5), "target today"),
        (date(2026, 7, 6), "1 day overdue"),
        (date(2026, 7, 15), "1 week, 3 days overdue"),
        (date(2026, 9, 20), "2 months, 2 weeks overdue"),
    ],
)
def test_time_left_reads_in_months_and_weeks(today, label):
    assert local_review.time_left(today, date(2026, 7, 5)) == label


def test_reminders_are_monthly_then_weekly_in_the_last_month():
    assert local_review.reminder_points(date(2026, 7, 31)) == [
        ("5m", date(2026, 8, 31)),
        ("4m", date(2026, 9, 30)),
        ("3m", date(2026, 10, 31)),
        ("2m", date(2026, 11, 30)),
        ("1m", date(2026, 12, 31)),
        ("3w", date(2027, 1, 10)),
        ("2w", date(2027, 1, 17)),
        ("1w", date(2027, 1, 24)),
        ("target", date(2027, 1, 31)),
    ]
    assert local_review.reminder_point(date(2026, 7, 31), date(2026, 8, 30)) is None
    assert local_review.reminder_point(date(2026, 7, 31), date(2026, 9, 29)) == "5m"  # caught up, not replayed


def test_publication_needs_approval_the_report_sent_and_the_notice_given():
    recorded = {"draft": date(2026, 5, 1)}
    assert "approved by the safeguarding partners first" in local_review.publication_problem(
        recorded, date(2026, 6, 1), CALENDAR, 7
    )
    recorded["approved"] = date(2026, 5, 4)
    assert "go to the Panel and the Secretary of State first" in local_review.publication_problem(
        recorded, date(2026, 6, 1), CALENDAR, 7
    )
    recorded["sent"] = date(2026, 5, 22)  # Friday before the spring bank holiday (Mon 25 May 2026)
    assert local_review.earliest_publication(recorded, CALENDAR, 7) == date(2026, 6, 3)
    problem = local_review.publication_problem(recorded, date(2026, 6, 2), CALENDAR, 7)
    assert problem.endswith("the earliest publication date is Wed 3 Jun 2026.")
    assert local_review.publication_problem(recorded, date(2026, 6, 3), CALENDAR, 7) is None
    assert local_review.publication_problem(recorded, date(2026, 5, 22), CALENDAR, 0) is None


def test_milestone_dates_are_never_in_the_future_or_before_the_decision():
    decided, today = date(2026, 1, 5), date(2026, 3, 1)
    assert local_review.date_problem(date(2026, 3, 2), today, decided) == "The date cannot be in the future."
    assert "before the decision" in local_review.date_problem(date(2026, 1, 4), today, decided)
    assert local_review.date_problem(date(2026, 1, 5), today, decided) is None


def test_the_panel_is_chased_after_fifteen_working_days_then_weekly():
    sent = date(2026, 3, 30)  # Easter in between: Good Friday 3 Apr, Easter Monday 6 Apr
    assert panel.first_chase(sent, CALENDAR) == date(2026, 4, 22)
    assert panel.chase_point(sent, date(2026, 4, 21), CALENDAR) is None
    assert panel.chase_point(sent, date(2026, 4, 22), CALENDAR) == date(2026, 4, 22)
    assert panel.chase_point(sent, date(2026, 4, 28), CALENDAR) == date(2026, 4, 22)
    assert panel.chase_point(sent, date(2026, 4, 29), CALENDAR) == date(2026, 4, 29)


@pytest.mark.parametrize(
    ("stage", "answer", "after"),
    [
        (Stage.AWAITING_PANEL, "agrees", Stage.CONCLUDED),
        (Stage.AWAITING_PANEL, "local_cspr", Stage.LOCAL_REVIEW),
        (Stage.AWAITING_PANEL, "national", Stage.CONCLUDED),
        (Stage.AWAITING_PANEL, "other", Stage.CONCLUDED),
        (Stage.LOCAL_REVIEW, "national", Stage.LOCAL_REVIEW),
        (Stage.LOCAL_REVIEW, "agrees", Stage.LOCAL_REVIEW),
    ],
)
def test_what_follows_the_panels_answer(stage, answer, after):
    assert panel.after_answer(stage, answer) is after

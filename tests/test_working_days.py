from datetime import date, timedelta

import pytest

from bot.review.stages import notification_due, review_due
from bot.working_days import WorkingCalendar

calendar = WorkingCalendar()


@pytest.mark.parametrize(
    ("notified", "due"),
    [
        (date(2025, 12, 15), date(2026, 1, 8)),  # Christmas, Boxing Day and New Year skipped
        (date(2026, 3, 23), date(2026, 4, 15)),  # Good Friday and Easter Monday skipped
        (date(2022, 9, 12), date(2022, 10, 4)),  # the Queen's funeral, 19 Sep 2022
        (date(2023, 5, 2), date(2023, 5, 24)),  # the coronation, 8 May 2023
        (date(2026, 12, 21), date(2027, 1, 14)),  # Boxing Day observed on Mon 28 Dec 2026
    ],
)
def test_rapid_review_due_dates(notified, due):
    assert review_due(notified, calendar) == due


def test_notification_deadline_is_five_working_days_after_awareness():
    assert notification_due(date(2026, 4, 1), calendar) == date(2026, 4, 10)  # over Easter
    assert notification_due(date(2026, 1, 9), calendar) == date(2026, 1, 16)


def test_local_closure_days_count_as_non_working():
    with_closure = WorkingCalendar([date(2026, 12, 24)])
    assert not with_closure.is_working_day(date(2026, 12, 24))
    assert calendar.is_working_day(date(2026, 12, 24))
    assert with_closure.add(date(2026, 12, 23), 1) == date(2026, 12, 29)


def test_weekends_and_bank_holidays_are_not_working_days():
    assert not calendar.is_working_day(date(2026, 1, 3))  # a Saturday
    assert not calendar.is_working_day(date(2026, 12, 25))
    assert not calendar.is_working_day(date(2022, 9, 19))  # the Queen's funeral
    assert not calendar.is_working_day(date(2023, 5, 8))  # the coronation
    assert calendar.is_working_day(date(2026, 1, 5))


def test_days_left_counts_down_to_zero_on_the_due_day_then_goes_negative():
    due = date(2026, 1, 8)
    assert calendar.days_left(date(2025, 12, 15), due) == 15
    assert calendar.days_left(date(2025, 12, 24), due) == 8
    assert calendar.days_left(date(2025, 12, 25), due) == 8  # a bank holiday uses none up
    assert calendar.days_left(due, due) == 0
    assert calendar.days_left(date(2026, 1, 9), due) == -1
    assert calendar.days_left(date(2026, 1, 12), due) == -2  # the weekend does not count


def test_add_and_days_left_agree_over_a_whole_year():
    start = date(2026, 1, 1)
    for offset in range(365):
        day = start + timedelta(days=offset)
        for n in (0, 1, 5, 15):
            assert calendar.days_left(day, calendar.add(day, n)) == n


def test_answers_agree_with_counting_day_by_day_across_the_years_and_far_from_them():
    calendar = WorkingCalendar([date(2026, 12, 24)])

    def walk(start: date, count: int) -> date:
        day = start
        while count:
            day += timedelta(days=1)
            count -= calendar.is_working_day(day)
        return day

    # Near years, then a mistyped one far away, then near ones again: each answer is the walk's.
    for start in [date(2026, 12, 20), date(2019, 5, 3), date(1, 1, 1), date(2035, 12, 30), date(2026, 12, 23)]:
        for count in (0, 1, 5, 15, 300):
            due = walk(start, count)
            assert calendar.add(start, count) == due, (start, count)
            assert calendar.days_left(start, due) == count and calendar.days_left(due, start) == -count

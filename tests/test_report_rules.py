"""The yearly report's rules, one at a time: the period, small counts hidden so that none can be
worked out, an action's state at the end of a period, months to publication."""

from __future__ import annotations

from datetime import date

import pytest

from bot.reporting import period, suppression
from bot.reporting.figures import action_state, compute, share
from bot.reporting.period import Period
from bot.reporting.records import ActionRecord, CaseRecord, Records, Review
from bot.working_days import WorkingCalendar
from tests import report_year

APRIL = (4, 1)


def test_the_reporting_year_a_day_falls_in_starts_on_the_partnerships_day():
    assert period.year_of(date(2027, 3, 31), APRIL) == Period(date(2026, 4, 1), date(2027, 3, 31))
    assert period.year_of(date(2027, 4, 1), APRIL) == Period(date(2027, 4, 1), date(2028, 3, 31))
    assert period.year_of(date(2026, 12, 31), (1, 1)) == Period(date(2026, 1, 1), date(2026, 12, 31))
    # A leap day in the year: 1 March 2024 to 28 February 2025.
    assert period.reporting_year(2024, (3, 1)) == Period(date(2024, 3, 1), date(2025, 2, 28))


def test_a_period_may_not_end_before_it_starts_or_run_beyond_5_years():
    assert period.problem(date(2026, 4, 1), date(2026, 4, 1)) is None
    assert period.problem(date(2026, 4, 1), date(2031, 3, 31)) is None  # 5 years exactly
    assert period.problem(date(2026, 4, 1), date(2026, 3, 31)) == (
        "the period ends (2026-03-31) before it starts (2026-04-01)"
    )
    assert period.problem(date(2026, 4, 1), date(2031, 4, 1)) == (
        "the period is longer than 5 years: report on 5 years or fewer at a time"
    )
    assert period.problem(date(1, 1, 1), date(1, 12, 31)) == "give dates from 1900 to 2199"
    assert period.problem(date(2026, 4, 1), date(9999, 12, 31)) == "give dates from 1900 to 2199"


def test_quarters_run_three_months_from_the_first_day_and_stop_at_the_last():
    quarters = Period(date(2026, 11, 15), date(2027, 6, 1)).quarters()
    assert [(q.start.isoformat(), q.end.isoformat(), q.months_label()) for q in quarters] == [
        ("2026-11-15", "2027-02-14", "Nov 2026–Feb 2027"),
        ("2027-02-15", "2027-05-14", "Feb–May 2027"),
        ("2027-05-15", "2027-06-01", "May–Jun 2027"),
    ]
    assert len(Period(date(2026, 4, 1), date(2031, 3, 31)).quarters()) == 20


def test_a_reporting_year_is_named_by_its_years_any_other_period_by_its_days():
    assert period.label(Period(date(2026, 4, 1), date(2027, 3, 31)), APRIL) == "2026/27"
    assert period.label(Period(date(2099, 4, 1), date(2100, 3, 31)), APRIL) == "2099/00"
    assert period.label(Period(date(2026, 4, 1), date(2026, 9, 30)), APRIL) == "Wed 1 Apr 2026 to Wed 30 Sep 2026"


def test_small_counts_show_as_fewer_than_the_threshold_zero_included():
    shown = suppression.overlapping({"physical": 6, "emotional": 2, "sexual": 0, "neglect": 5}, 5)
    assert shown == {"physical": 6, "emotional": "fewer than 5", "sexual": "fewer than 5", "neglect": 5}
    assert suppression.partition({"death": 5, "serious_harm": 9}, 5) == ({"death": 5, "serious_harm": 9}, False)


def test_when_a_group_is_hidden_the_largest_other_group_is_withheld_so_the_total_gives_nothing_away():
    # 12 referrals: 6 + 5 + 1 + 0 + 0. With only the small ones hidden, 12 - 6 - 5 = 1 would give
    # the 5 to 9 year olds away; withholding the 6 as well leaves 12 - 5 = 7 for them and it.
    ages = {"under_1": 6, "1_4": 5, "5_9": 1, "10_15": 0, "16_17": 0}
    shown, total_withheld = suppression.partition(ages, 5)
    assert shown == {
        "under_1": "withheld",
        "1_4": 5,
        "5_9": "fewer than 5",
        "10_15": "fewer than 5",
        "16_17": "fewer than 5",
    }
    assert not total_withheld
    # Two hidden groups on their own could still be worked out: 4 and 4 of 8 + 5 (both the most
    # "fewer than 5" allows). The largest other group goes too; ties go to the first.
    shown, _ = suppression.partition({"a": 4, "b": 4, "c": 5, "d": 5}, 5)
    assert shown == {"a": "fewer than 5", "b": "fewer than 5", "c": "withheld", "d": 5}


def test_when_every_group_is_small_the_total_is_withheld_instead_unless_there_is_nothing():
    # 8 referrals, 4 deaths and 4 serious harm: "fewer than 5" twice and a total of 8 would say 4 and 4.
    shown, total_withheld = suppression.partition({"death": 4, "serious_harm": 4}, 5)
    assert shown == {"death": "fewer than 5", "serious_harm": "fewer than 5"}
    assert total_withheld
    assert suppression.partition({"death": 0, "serious_harm": 0}, 5)[1] is False


def test_a_partnership_can_set_its_own_threshold():
    assert suppression.overlapping({"a": 9, "b": 10}, 10) == {"a": "fewer than 10", "b": 10}


def _action(due: str, completions=(), signed_off: str | None = None) -> ActionRecord:
    return ActionRecord(
        Review("2026-001", "2026-001"),
        "police",
        date(2026, 5, 1),
        date.fromisoformat(due),
        tuple((date.fromisoformat(day), kind) for day, kind in completions),
        date.fromisoformat(signed_off) if signed_off else None,
    )


@pytest.mark.parametrize(
    ("action", "on", "state"),
    [
        (_action("2026-06-30"), "2026-06-30", "open"),  # due that day: not overdue yet
        (_action("2026-06-30"), "2026-07-01", "overdue"),
        (_action("2026-06-30", [("2026-06-20", "completed")]), "2026-07-01", "awaiting_signoff"),
        (_action("2026-06-30", [("2026-06-20", "completed")]), "2026-06-19", "open"),  # before it was completed
        (_action("2026-06-30", [("2026-06-20", "completed"), ("2026-06-25", "reopened")]), "2026-07-01", "overdue"),
        (_action("2026-06-30", [("2026-06-20", "completed")], "2026-07-02"), "2026-07-01", "awaiting_signoff"),
        (_action("2026-06-30", [("2026-06-20", "completed")], "2026-07-02"), "2026-07-02", "completed"),
    ],
)
def test_an_actions_state_is_the_one_it_had_on_the_day(action, on, state):
    assert action_state(action, date.fromisoformat(on)) == state


def test_shares_are_whole_percentages_with_halves_rounded_up():
    assert [share(1, 8), share(5, 8), share(2, 3), share(8, 9), share(0, 0)] == [13, 63, 67, 89, None]


def test_a_local_cspr_published_on_its_target_is_on_time_at_six_months_even_from_the_end_of_a_month():
    # Decided 31 Aug 2026: the target is 28 Feb 2027 (no 31 Feb). Published then: 6.0 months, on
    # time; a day later: 6 months and 1 day of the 31-day month from 28 Feb = 6.03, late by 1 day.
    partnership = report_year.partnership()
    calendar = WorkingCalendar(partnership.closure_days)
    year = Period(date(2026, 4, 1), date(2027, 3, 31))

    def lcsprs(published: str) -> tuple[dict, list]:
        case = CaseRecord(
            "2026-001", date(2026, 8, 1), "under_1", "death", ("physical",), date(2026, 8, 1),
            review_decided_on=date(2026, 8, 31), published_on=date.fromisoformat(published),
        )  # fmt: skip
        report = compute(Records(cases=(case,)), year, date(2027, 6, 1), partnership, calendar)
        return report["timeliness"]["lcsprs"], report["late"]["lcsprs"]

    on_time, late = lcsprs("2027-02-28")
    assert (on_time["on_time"], on_time["median_months"], late) == (1, 6.0, [])
    on_time, late = lcsprs("2027-03-01")
    assert (on_time["on_time"], on_time["median_months"]) == (0, 6.0)
    assert late == [
        {
            "ref": "2026-001",
            "decided": "2026-08-31",
            "target": "2027-02-28",
            "published": "2027-03-01",
            "months": 6.0,
            "days_late": 1,
        }
    ]

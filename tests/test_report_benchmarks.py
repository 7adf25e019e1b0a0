"""What the yearly report costs as a partnership's records grow, on SQLite and PostgreSQL. Run once
as plain tests in the suite; to measure:

    .venv/bin/python -m pytest tests/test_report_benchmarks.py --benchmark-enable --benchmark-group-by=group
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert

from bot.reporting import formats
from bot.usecases import reports
from bot.work import Work
from bot.working_days import WorkingCalendar
from storage import migrate
from storage.db import Database
from storage.models import Action, Case, Decision, Recommendation, SignOff
from tests import report_year

YEAR = (date(2024, 4, 1), date(2025, 3, 31))
AGENCIES = ("police", "csc", "health", "education")


def populate(database: Database, count: int) -> None:
    """`count` cases spread over the year, each notified, reviewed, decided and signed off by four
    agencies, with a recommendation and an action for each agency, inserted in bulk."""
    numbers = range(1, count + 1)

    def day(number: int) -> date:
        return YEAR[0] + timedelta(days=number * 340 // count)

    def moment(number: int) -> datetime:
        return datetime.combine(day(number), datetime.min.time(), UTC) + timedelta(hours=10)

    cases = [
        dict(
            id=n, ref=f"2024-{n:04d}", ref_year=2024, ref_seq=n, referral_key=f"V{n}", stage="concluded",
            referring_agency="police", referred_by="U01POLICE", referred_at=moment(n), child_identifier="AB",
            summary="s", age_band=("under_1", "1_4", "5_9")[n % 3], harm=("death", "serious_harm")[n % 2],
            abuse_types=["neglect"], incident_on=day(n), aware_on=day(n), criteria_view="yes",
            notification_due=day(n) + timedelta(days=7), notified_on=day(n) + timedelta(days=2),
            review_due=day(n) + timedelta(days=23), sent_to_panel_on=day(n) + timedelta(days=20 + n % 9),
        )
        for n in numbers
    ]  # fmt: skip
    signoffs = [
        dict(case_id=n, agency_key=key, user_id="U01POLICE", signed_at=moment(n) + timedelta(days=15 + i))
        for n in numbers
        for i, key in enumerate(AGENCIES)
    ]
    decisions = [
        dict(case_id=n, outcome="no_further_review", decided_by="U01CHAIR", decided_at=moment(n) + timedelta(days=19),
             final_at=moment(n) + timedelta(days=19))
        for n in numbers
    ]  # fmt: skip
    recommendations = [
        dict(id=n, request_key=f"R{n}", case_id=n, number=1, text="t", created_by="U01CHAIR", created_at=moment(n))
        for n in numbers
    ]
    actions = [
        dict(request_key=f"A{n}-{key}", recommendation_id=n, number=i + 1, agency_key=key, owner="U01POLICE",
             due_on=day(n) + timedelta(days=60), state="open", created_by="U01CHAIR", created_at=moment(n))
        for n in numbers
        for i, key in enumerate(AGENCIES)
    ]  # fmt: skip
    with database.transaction() as session:
        for model, rows in ((Case, cases), (SignOff, signoffs), (Decision, decisions)):
            session.execute(insert(model), rows)
        session.execute(insert(Recommendation), recommendations)
        session.execute(insert(Action), actions)


@pytest.fixture(params=[100, 1000], ids=lambda n: f"{n} cases")
def records(request, database_url) -> Iterator[tuple[Database, int]]:
    database = Database(database_url)
    migrate.upgrade(database)
    populate(database, request.param)
    yield database, request.param
    database.dispose()


def yearly_figures(database: Database) -> dict:
    partnership = report_year.partnership()
    with database.transaction() as session:
        work = Work(session, partnership, WorkingCalendar(partnership.closure_days), datetime(2025, 5, 1, tzinfo=UTC))
        return reports.yearly(work, "benchmark", start=YEAR[0], end=YEAR[1]).data["report"]


@pytest.mark.benchmark(group="the yearly report's figures")
def test_figures_for_a_year(benchmark, records):
    database, count = records
    report = benchmark(yearly_figures, database)
    assert report["funnel"]["referrals"] == count
    assert report["actions"]["in_period"] == 4 * count


@pytest.mark.benchmark(group="the yearly report as one HTML page")
def test_html_page_with_its_charts(benchmark, tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'year.db'}")
    migrate.upgrade(database)
    report_year.seed(database)
    report = yearly_figures(database)
    database.dispose()
    page = benchmark.pedantic(formats.as_html, args=(report,), rounds=3, warmup_rounds=1)
    assert page.count("<svg ") == 4

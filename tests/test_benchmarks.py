"""How the work a running bot repeats scales, on SQLite and PostgreSQL side by side.

The test suite runs each benchmark once, as a plain test. To measure:

    .venv/bin/python -m pytest tests/test_benchmarks.py --benchmark-enable --benchmark-group-by=group

pytest-benchmark prints each group with every row's ratio to the fastest in brackets.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, insert

from bot.clock import SystemClock
from bot.clockwork.tick import Clockwork
from bot.delivery import cards
from bot.delivery.slack_api import make_client
from bot.partnership import parse
from bot.review.stages import Stage
from bot.review.timetable import CaseDates, due_for_case
from bot.services import Services
from bot.settings import Settings
from bot.working_days import WorkingCalendar
from storage import migrate, repositories
from storage.db import Database
from storage.models import Case, CaseAgency, Claim, OutboxMessage, SignOff
from tests.conftest import BOT_TOKEN, PARTNERSHIP_FILE

# A working morning after the 09:00 reminders: a tick has to look at every open case.
NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


def populate(database: Database, count: int) -> None:
    """`count` open rapid reviews, each with four agencies and one sign-off, inserted in bulk."""
    numbers = range(1, count + 1)
    cases = [
        dict(
            id=number, ref=f"2026-{number:03d}", ref_year=2026, ref_seq=number, referral_key=f"V{number}",
            stage=Stage.RAPID_REVIEW.value, referring_agency="police", referred_by="U01POLICE", referred_at=NOW,
            child_identifier="AB", summary="s", age_band="under_1", harm="death", abuse_types=["neglect"],
            incident_on=date(2026, 3, 18), aware_on=date(2026, 3, 19), criteria_view="yes",
            notification_due=date(2026, 3, 26), notified_on=date(2026, 3, 23), review_due=date(2026, 4, 15),
            channel_id=f"C{number:08d}", channel_name=f"rr-2026-{number:03d}",
        )
        for number in numbers
    ]  # fmt: skip
    agencies = [
        dict(case_id=number, agency_key=key, added_by="U01CHAIR", added_at=NOW)
        for number in numbers
        for key in ("police", "csc", "health", "education")
    ]
    signoffs = [dict(case_id=number, agency_key="police", user_id="U01POLICE", signed_at=NOW) for number in numbers]
    with database.transaction() as session:
        session.execute(insert(Case), cases)
        session.execute(insert(CaseAgency), agencies)
        session.execute(insert(SignOff), signoffs)


def running_clockwork(count: int, database_url: str, standin, partnership) -> Iterator[Clockwork]:
    database = Database(database_url)
    migrate.upgrade(database)
    populate(database, count)
    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": standin.api_url, "CSPR_CONFIG": str(PARTNERSHIP_FILE)}
    )
    yield Clockwork(Services.assemble(partnership, database, SystemClock(), make_client(settings)))
    database.dispose()


@pytest.fixture(params=[10, 100, 1000], ids=lambda n: f"{n} cases")
def clockwork(request, database_url, standin, partnership):
    yield from running_clockwork(request.param, database_url, standin, partnership)


@pytest.fixture(params=[10, 100], ids=lambda n: f"{n} cases")
def fewer_cases_clockwork(request, database_url, standin, partnership):
    yield from running_clockwork(request.param, database_url, standin, partnership)


def take_todays_slots(clockwork: Clockwork) -> None:
    """Claim everything due today in bulk, as an earlier tick would have."""
    services = clockwork.services
    with services.database.transaction() as session:
        due = [
            dict(key=f"{row.ref}|{item.kind}|{item.slot}", kind=item.kind, case_id=row.id, claimed_at=NOW)
            for row in repositories.case_dates(session, ("rapid_review",))
            for item in due_for_case(
                CaseDates(**{k: v for k, v in row._mapping.items() if k not in ("id", "ref")}),
                services.partnership,
                services.calendar,
                NOW,
            )
        ]
        session.execute(insert(Claim), [*due, dict(key=f"digest|{NOW.date()}", kind="digest", claimed_at=NOW)])


def release_todays_slots(clockwork: Clockwork) -> None:
    with clockwork.services.database.transaction() as session:
        session.execute(delete(OutboxMessage))
        session.execute(delete(Claim))


@pytest.mark.benchmark(group="tick with nothing new due")
def test_tick_planning_scales_with_open_cases(benchmark, clockwork):
    # The steady state of a tick every minute: today's slots are taken, nothing new is due.
    take_todays_slots(clockwork)
    claimed = benchmark(clockwork.plan, NOW)
    assert claimed == 0


@pytest.mark.benchmark(group="tick with a reminder due for every case")
def test_tick_claiming_everything_due(benchmark, fewer_cases_clockwork):
    # The 09:00 tick at 10 working days left: a countdown edit and a reminder for every case,
    # each claimed and queued in its own transaction, and the digest.
    clockwork = fewer_cases_clockwork
    claimed = benchmark.pedantic(
        clockwork.plan, args=(NOW,), setup=lambda: release_todays_slots(clockwork), rounds=3, warmup_rounds=0
    )
    with clockwork.services.database.transaction() as session:
        cases = len(repositories.case_dates(session, ("rapid_review",)))
    assert claimed == 2 * cases + 1


def partnership_with(agencies: int):
    lines = [f"  - {{key: a{n}, name: Agency {n}, leads: [U0LEAD{n}]}}" for n in range(agencies)]
    return parse("partnership: Big\npprg_channel: C0PPRG\nchairs: [U0CHAIR]\nagencies:\n" + "\n".join(lines) + "\n")


@pytest.mark.benchmark(group="rendering a case card")
@pytest.mark.parametrize("agencies", [4, 40])
def test_case_card_rendering(benchmark, agencies):
    partnership = partnership_with(agencies)
    case = Case(
        ref="2026-001", stage=Stage.RAPID_REVIEW.value, referring_agency="a0", referred_by="U0LEAD0", referred_at=NOW,
        age_band="under_1", harm="death", abuse_types=["neglect"], incident_on=date(2026, 3, 18),
        aware_on=date(2026, 3, 19), criteria_view="yes", notification_due=date(2026, 3, 26),
        notified_on=date(2026, 3, 23), review_due=date(2026, 4, 15), channel_id="C0CASE",
    )  # fmt: skip
    case.agencies = [CaseAgency(agency_key=a.key, added_by="U0CHAIR", added_at=NOW) for a in partnership.agencies]
    case.signoffs = [SignOff(agency_key="a0", user_id="U0LEAD0", signed_at=NOW)]
    calendar = WorkingCalendar()
    message = benchmark(cards.render_card, cards.CASE, case, partnership, calendar, NOW.date())
    assert len(message["blocks"]) == 5 + agencies

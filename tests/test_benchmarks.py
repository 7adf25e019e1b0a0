"""How the work a running bot repeats scales, on SQLite and PostgreSQL side by side.

The test suite runs each benchmark once, as a plain test. To measure:

    .venv/bin/python -m pytest tests/test_benchmarks.py --benchmark-enable --benchmark-group-by=group

pytest-benchmark prints each group with every row's ratio to the fastest in brackets.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot import cards
from bot.clock import SystemClock
from bot.clockwork import Clockwork
from bot.partnership import parse
from bot.review import Stage
from bot.services import Services
from bot.settings import Settings
from bot.slack_api import make_client
from bot.working_days import WorkingCalendar
from storage import migrate
from storage.db import Database
from storage.models import Case, CaseAgency, SignOff
from tests.conftest import BOT_TOKEN, PARTNERSHIP_FILE

# A working morning after the 09:00 reminders: a tick has to look at every open case.
NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


def populate(database: Database, count: int) -> None:
    agencies = ["police", "csc", "health", "education"]
    with database.transaction() as session:
        for number in range(1, count + 1):
            case = Case(
                ref=f"2026-{number:03d}", ref_year=2026, ref_seq=number, referral_key=f"V{number}",
                stage=Stage.RAPID_REVIEW.value, referring_agency="police", referred_by="U01POLICE", referred_at=NOW,
                child_identifier="AB", summary="s", age_band="under_1", harm="death", abuse_types=["neglect"],
                incident_on=date(2026, 3, 18), aware_on=date(2026, 3, 19), criteria_view="yes",
                notification_due=date(2026, 3, 26), notified_on=date(2026, 3, 23), review_due=date(2026, 4, 15),
                channel_id=f"C{number:08d}", channel_name=f"rr-2026-{number:03d}",
            )  # fmt: skip
            case.agencies = [CaseAgency(agency_key=key, added_by="U01CHAIR", added_at=NOW) for key in agencies]
            case.signoffs = [SignOff(agency_key="police", user_id="U01POLICE", signed_at=NOW)]
            session.add(case)


@pytest.fixture(params=[10, 100, 1000], ids=lambda n: f"{n} cases")
def clockwork(request, database_url, standin, partnership):
    database = Database(database_url)
    migrate.upgrade(database)
    populate(database, request.param)
    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": standin.api_url, "CSPR_CONFIG": str(PARTNERSHIP_FILE)}
    )
    services = Services.assemble(partnership, database, SystemClock(), make_client(settings))
    # Take today's slots first, as the 10:00 tick finds them: what is measured is the steady state
    # of a tick every minute, deciding that nothing new is due.
    Clockwork(services).plan(NOW)
    yield Clockwork(services)
    database.dispose()


@pytest.mark.benchmark(group="tick with nothing new due")
def test_tick_planning_scales_with_open_cases(benchmark, clockwork):
    claimed = benchmark(clockwork.plan, NOW)
    assert claimed == 0


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

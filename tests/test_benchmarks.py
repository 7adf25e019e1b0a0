"""How rendering a case card scales with the partnership's agencies (the tick's cost is measured
by `python -m benchmarks tick_history morning`).

The test suite runs each benchmark once, as a plain test. To measure:

    .venv/bin/python -m pytest tests/test_benchmarks.py --benchmark-enable --benchmark-group-by=group

pytest-benchmark prints each group with every row's ratio to the fastest in brackets.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.delivery import cards
from bot.partnership import parse
from bot.review.stages import Stage
from bot.working_days import WorkingCalendar
from storage.models import Case, CaseAgency, SignOff

NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)


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

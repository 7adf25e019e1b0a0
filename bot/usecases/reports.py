"""The yearly report: its figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.desk import read_only
from bot.outcomes import Done, Outcome
from bot.reporting import figures, records
from bot.reporting.period import Period, year_of
from bot.work import Work
from storage import repositories


def _figures(work: Work, period: Period) -> dict[str, Any]:
    zone = work.partnership.timezone

    def moment(on: date) -> datetime:
        return datetime.combine(on, time(), zone).astimezone(UTC)

    rows = repositories.report_rows(work.session, moment(period.start), moment(period.end + timedelta(days=1)))
    found = records.from_rows(rows, zone)
    return figures.compute(found, period, work.today, work.partnership, work.calendar)


@read_only
def yearly(work: Work, actor: str, start: date | None = None, end: date | None = None) -> Outcome:
    """The figures for the period, or for the reporting year today falls in. The caller has
    checked the period (`period.problem`)."""
    if start is None or end is None:
        period = year_of(work.today, work.partnership.report.year_starts)
    else:
        period = Period(start, end)
    return Done(changed=False, data={"report": _figures(work, period)})

"""The yearly report: its figures for the command line, and its headline and charts in Slack."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.desk import read_only
from bot.outcomes import Done, Outcome, Refused, not_allowed
from bot.reporting import figures, records
from bot.reporting.period import YEARS, Period, reporting_year, year_of
from bot.review import permissions
from bot.review.stages import NOTIFICATION_WORKING_DAYS, RAPID_REVIEW_WORKING_DAYS
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


def headline(work: Work, actor: str, year: int | None) -> Outcome:
    """The headline figures of a reporting year for the person asking, and its charts queued for
    their direct messages. Nothing else is written: the report only reads."""
    partnership = work.partnership
    if not permissions.may_see_reports(actor, partnership):
        return not_allowed(
            "Only the PPRG chair and business managers, the safeguarding partners' delegates and the "
            "scrutineers can see the yearly report."
        )
    current = year_of(work.today, partnership.report.year_starts)
    if year is not None and year > current.start.year:
        return Refused(f"The reporting year starting in {year} has not begun yet.")
    if year is not None and year not in YEARS:
        return Refused(f"Give a year from {YEARS.start}, like `/cspr report {current.start.year}`.")
    period = current if year is None else reporting_year(year, partnership.report.year_starts)
    report = _figures(work, period)
    # The same person asking for the same year at the same moment gets one image.
    key = f"report|{actor}|{period.start.isoformat()}|{work.now.isoformat()}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    label = report["about"]["period"].replace("/", "-").replace(" ", "-").lower()
    work.report_image(
        key,
        actor,
        {
            "report": report,
            "filename": f"case-reviews-{label}-{digest}.png",
            "title": f"Case reviews {report['about']['period']}: charts",
        },
    )
    message = work.render(
        "report_headline",
        report=report,
        notification_days=NOTIFICATION_WORKING_DAYS,
        review_days=RAPID_REVIEW_WORKING_DAYS,
    )
    return Done(data={"message": message})

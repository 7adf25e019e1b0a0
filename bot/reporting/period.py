"""The span of days a report covers: the partnership's reporting year by default (April to March
unless the partnership file says otherwise), or any span of up to 5 years. Pure: dates in, dates out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from messages.wording import day

MAX_YEARS = 5
# Far enough either way for any record, and clear of the edges of the calendar's arithmetic.
YEARS = range(1900, 2200)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # the last day, included

    def __contains__(self, on: object) -> bool:
        return isinstance(on, date) and self.start <= on <= self.end

    def quarters(self) -> list[Period]:
        """Blocks of three months from the first day; the last one stops at the period's end."""
        found = []
        start = self.start
        while start <= self.end:
            after = start + relativedelta(months=3)
            found.append(Period(start, min(after - timedelta(days=1), self.end)))
            start = after
        return found

    def months_label(self) -> str:
        """Apr–Jun 2026, or Nov 2026–Jan 2027 across a new year."""
        if self.start.year == self.end.year:
            return f"{self.start:%b}–{self.end:%b %Y}"
        return f"{self.start:%b %Y}–{self.end:%b %Y}"


def reporting_year(starting_in: int, year_starts: tuple[int, int]) -> Period:
    """The reporting year that starts in `starting_in`: 2026 is 1 April 2026 to 31 March 2027."""
    start = date(starting_in, *year_starts)
    return Period(start, start + relativedelta(years=1) - timedelta(days=1))


def year_of(today: date, year_starts: tuple[int, int]) -> Period:
    """The reporting year `today` falls in."""
    started = (today.month, today.day) >= year_starts
    return reporting_year(today.year if started else today.year - 1, year_starts)


def problem(start: date, end: date) -> str | None:
    """Why no report can cover these days, or None."""
    if start.year not in YEARS or end.year not in YEARS:
        return f"give dates from {YEARS.start} to {YEARS.stop - 1}"
    if end < start:
        return f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})"
    if end >= start + relativedelta(years=MAX_YEARS):
        return f"the period is longer than {MAX_YEARS} years: report on {MAX_YEARS} years or fewer at a time"
    return None


def label(period: Period, year_starts: tuple[int, int]) -> str:
    """2026/27 for a reporting year, otherwise the first and last days."""
    if period == reporting_year(period.start.year, year_starts):
        return f"{period.start.year}/{(period.start.year + 1) % 100:02d}"
    return f"{day(period.start)} to {day(period.end)}"

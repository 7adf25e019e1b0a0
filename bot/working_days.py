"""Working days in England: Monday to Friday, not a bank holiday, not a local closure day.

Pure: every function takes the dates it reasons about; nothing reads the clock.
Day 0 is the start date, so "within 15 working days" ends on the 15th working day after it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, timedelta


class WorkingCalendar:
    def __init__(self, closure_days: Iterable[date] = ()) -> None:
        self._closures = frozenset(closure_days)
        self._days_off: dict[int, tuple[date, ...]] = {}

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._off_in(day.year)

    def _off_in(self, year: int) -> tuple[date, ...]:
        """The weekdays of `year` that are not working days, in order. The GB/ENG calendar carries
        one-off days too (19 Sep 2022, 8 May 2023)."""
        if (days := self._days_off.get(year)) is None:
            import holidays  # a tenth of a second to load: when first counted, not at start-up

            bank_holidays = holidays.country_holidays("GB", subdiv="ENG", years=year)
            off = {*bank_holidays, *(day for day in self._closures if day.year == year)}
            days = self._days_off[year] = tuple(sorted(day for day in off if day.weekday() < 5))
        return days

    def add(self, start: date, working_days: int) -> date:
        """The date `working_days` working days after `start` (which itself need not be one)."""
        if working_days < 0:
            raise ValueError("working_days must not be negative")
        day = start
        remaining = working_days
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def days_left(self, today: date, due: date) -> int:
        """Working days from `today` to `due`: 0 on the due day, negative once it has passed.

        Counts working days after `today` up to and including `due`, so on a weekend before a
        Monday deadline one working day is left.
        """
        if today <= due:
            return self._count_between(today, due)
        return -self._count_between(due, today)

    def _count_between(self, after: date, until: date) -> int:
        """Working days after `after` up to and including `until`: weekdays by arithmetic, less
        the weekdays off, so a case months overdue costs no more than one due tomorrow."""
        off = sum(
            bisect_right(days, until) - bisect_right(days, after)
            for days in map(self._off_in, range(after.year, until.year + 1))
        )
        return _weekdays_to(until) - _weekdays_to(after) - off


def _weekdays_to(day: date) -> int:
    """Weekdays from 1 January of year 1 (a Monday) up to and including `day`."""
    weeks, rest = divmod(day.toordinal(), 7)
    return 5 * weeks + min(rest, 5)

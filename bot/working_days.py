"""Working days in England: Monday to Friday, not a bank holiday, not a local closure day.

Pure: every function takes the dates it reasons about; nothing reads the clock.
Day 0 is the start date, so "within 15 working days" ends on the 15th working day after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays


class WorkingCalendar:
    def __init__(self, closure_days: Iterable[date] = ()) -> None:
        # The GB/ENG calendar carries one-off days too (19 Sep 2022, 8 May 2023); years load lazily.
        self._bank_holidays = holidays.country_holidays("GB", subdiv="ENG")
        self._closures = frozenset(closure_days)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._bank_holidays and day not in self._closures

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
        count = 0
        day = after
        while day < until:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

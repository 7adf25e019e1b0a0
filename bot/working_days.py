"""Working days in England: Monday to Friday, not a bank holiday, not a local closure day.

Pure: every function takes the dates it reasons about; nothing reads the clock.
Day 0 is the start date, so "within 15 working days" ends on the 15th working day after it.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import holidays

_SPAN = 60  # years one index covers at most, beyond those a question itself spans


class WorkingCalendar:
    """Answers from a sorted index of the working days of whole years, built as years are asked
    for, so each answer is a binary search rather than a walk through the days between."""

    def __init__(self, closure_days: Iterable[date] = ()) -> None:
        self._bank_holidays: holidays.HolidayBase | None = None
        self._closures = frozenset(closure_days)
        self._lock = threading.Lock()
        # (first year, last year, the day numbers of their working days): replaced whole, never
        # changed, so readers on other threads need no lock.
        self._index: tuple[int, int, tuple[int, ...]] = (0, -1, ())

    def is_working_day(self, day: date) -> bool:
        if self._bank_holidays is None:
            import holidays  # a tenth of a second to load: when first asked, not at start-up

            # The GB/ENG calendar carries one-off days too (19 Sep 2022, 8 May 2023); years load lazily.
            self._bank_holidays = holidays.country_holidays("GB", subdiv="ENG")
        return day.weekday() < 5 and day not in self._bank_holidays and day not in self._closures

    def add(self, start: date, working_days: int) -> date:
        """The date `working_days` working days after `start` (which itself need not be one)."""
        if working_days < 0:
            raise ValueError("working_days must not be negative")
        if working_days == 0:
            return start
        # A year holds at least 240 working days, so this many years always reach the answer.
        days = self._days(start.year, start.year + 1 + working_days // 240)
        return date.fromordinal(days[bisect_right(days, start.toordinal()) + working_days - 1])

    def days_left(self, today: date, due: date) -> int:
        """Working days from `today` to `due`: 0 on the due day, negative once it has passed.

        Counts working days after `today` up to and including `due`, so on a weekend before a
        Monday deadline one working day is left.
        """
        days = self._days(min(today, due).year, max(today, due).year)
        return bisect_right(days, due.toordinal()) - bisect_right(days, today.toordinal())

    def _days(self, first: int, last: int) -> tuple[int, ...]:
        """The day numbers of the working days of at least the years `first` to `last`."""
        index = self._index
        if index[0] <= first and last <= index[1]:
            return index[2]
        with self._lock:
            known_first, known_last, _ = self._index
            # Grow what is known, so earlier answers stay covered; but a date far from the rest
            # (a mistyped year) gets an index of its own rather than centuries between.
            if known_last >= known_first and max(last, known_last) - min(first, known_first) < _SPAN:
                first, last = min(first, known_first), max(last, known_last)
            day, end = date(first, 1, 1), date(last, 12, 31)
            working = []
            while day <= end:
                if self.is_working_day(day):
                    working.append(day.toordinal())
                day += timedelta(days=1)
            self._index = (first, last, tuple(working))
            return self._index[2]

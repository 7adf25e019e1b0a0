"""Working-day arithmetic: due dates for random starts across 2018 to 2035, each checked against a
naive day-by-day count over the same bank holidays and closure days."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from benchmarks.table import Table
from bot.working_days import WorkingCalendar

FIRST, LAST = date(2018, 1, 1), date(2035, 12, 31)
CLOSURES = [date(year, 12, 24) for year in range(2018, 2036)]


def _walk(calendar: WorkingCalendar, start: date, count: int) -> date:
    day = start
    while count:
        day += timedelta(days=1)
        count -= calendar.is_working_day(day)
    return day


def _count(calendar: WorkingCalendar, today: date, due: date) -> int:
    return sum(calendar.is_working_day(today + timedelta(days=n)) for n in range(1, (due - today).days + 1))


def run(smoke: bool) -> list[Table]:
    starts_count = 200 if smoke else 100_000
    chance = random.Random(2026)
    span = (LAST - FIRST).days
    starts = [FIRST + timedelta(days=chance.randrange(span)) for _ in range(starts_count)]
    table = Table(
        "Working-day arithmetic",
        ["question", "calls", "ours µs a call", "day by day µs a call", "ratio", "agreeing"],
    )
    calendar, reference = WorkingCalendar(CLOSURES), WorkingCalendar(CLOSURES)
    for count in (5, 15):
        ours, took = _timed(lambda start, n=count: calendar.add(start, n), starts)
        walked, walk_took = _timed(lambda start, n=count: _walk(reference, start, n), starts)
        agreeing = sum(a == b for a, b in zip(ours, walked, strict=True))
        table.add(f"add {count} working days", len(starts), took, walk_took, took / walk_took, agreeing)
        pairs = list(zip(starts, walked, strict=True))
        lefts, left_took = _timed(lambda pair: calendar.days_left(*pair), pairs)
        counted, count_took = _timed(lambda pair: _count(reference, *pair), pairs)
        table.add(
            f"working days left, {count} to go", len(pairs), left_took, count_took, left_took / count_took,
            sum(left == n == count for left, n in zip(lefts, counted, strict=True)),
        )  # fmt: skip
    table.notes.append(
        "Random starts from 2018 to 2035 (seeded), England's bank holidays and a closure day each Christmas Eve; "
        "the day-by-day count is how the calendar answered before it kept an index."
    )
    return [table]


def _timed(question: Callable[[Any], Any], inputs: list) -> tuple[list, float]:
    """Answers for every input, and the microseconds a call took on average."""
    started = time.perf_counter()
    answers = [question(each) for each in inputs]
    return answers, (time.perf_counter() - started) * 1e6 / len(inputs)

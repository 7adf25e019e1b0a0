"""Tick cost against history: 100 open reviews beside 1,000, then 100,000, closed cases.

The steady-state tick (today's slots already taken, nothing new due) is the whole `tick`: planning
and a delivery pass that finds nothing to send. The morning tick (a countdown edit and a reminder
due for every open review, and the digest) is `Clockwork.plan`: claiming and queueing; sending is
measured by `morning`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import delete, event, update

from benchmarks import databases
from benchmarks.population import MORNING, closed_cases, open_reviews
from benchmarks.table import Table, ms
from bot.clock import SystemClock
from bot.clockwork.tick import Clockwork
from bot.delivery.slack_api import make_client
from bot.partnership import load
from bot.services import Services
from bot.settings import Settings
from storage.db import Database
from storage.models import Card, Claim, OutboxMessage
from tests.conftest import BOT_TOKEN, PARTNERSHIP_FILE, make_standin

OPEN = 100


@contextmanager
def counting(database: Database) -> Iterator[list[int]]:
    """A list whose one item counts the SQL statements sent while the block runs."""
    counted = [0]

    def count(*_: Any) -> None:
        counted[0] += 1

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        event.remove(database.engine, "before_cursor_execute", count)


def measure(
    database: Database, call: Callable[[], object], rounds: int, before: Callable[[], None]
) -> tuple[float, int]:
    """The median wall time of `call` over `rounds`, each after `before`, and its statements."""
    times, statements = [], 0
    for _ in range(rounds):
        before()
        with counting(database) as counted:
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
        statements = counted[0]
    return statistics.median(times), statements


def release_today(database: Database) -> None:
    """Undo the morning's claims and notices, as if no tick had run yet today."""
    start = MORNING - timedelta(hours=12)
    with database.transaction() as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.created_at >= start))
        session.execute(delete(Claim).where(Claim.claimed_at >= start))


def deliver_today(database: Database) -> None:
    """Mark what the morning queued as delivered, as after the morning's delivery pass."""
    with database.transaction() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending").values(status="sent"))
        session.execute(update(Card).where(Card.synced_version < Card.version).values(synced_version=Card.version))


def run(smoke: bool) -> list[Table]:
    histories = (10, 50) if smoke else (1_000, 100_000)
    opened = 5 if smoke else OPEN
    rounds = 1 if smoke else 5
    table = Table(
        f"Tick cost against history ({opened} open reviews)",
        ["database", "closed cases", "tick", "ms", "SQL statements", "claimed"],
        notes=[
            "steady: the whole tick (plan, then a delivery pass with nothing due); morning: "
            "`Clockwork.plan` only (claim and queue a countdown edit and a reminder per review, "
            "and the digest), its delivery is left out (see the morning benchmark)",
            f"median of {rounds} rounds; closed cases each carry four sign-offs, a question, a synced "
            "case card, three ledger claims and three sent notices",
        ],
    )
    partnership = load(PARTNERSHIP_FILE)
    seconds: dict[tuple[str, int], tuple[float, float]] = {}
    with make_standin() as standin:
        settings = Settings.from_env(
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": standin.api_url, "CSPR_CONFIG": str(PARTNERSHIP_FILE)}
        )
        for kind in databases.kinds():
            with databases.fresh(kind) as url:
                database = Database(url)
                clockwork = Clockwork(Services.assemble(partnership, database, SystemClock(), make_client(settings)))
                open_reviews(database, 1, opened)
                inserted = 0
                for closed in histories:
                    closed_cases(database, opened + 1 + inserted, closed - inserted)
                    inserted = closed
                    claimed: list[int] = []
                    morning_s, morning_n = measure(
                        database,
                        lambda clockwork=clockwork, claimed=claimed: claimed.append(clockwork.plan(MORNING)),
                        rounds,
                        partial(release_today, database),
                    )
                    deliver_today(database)
                    steady_s, steady_n = measure(database, partial(clockwork.tick, MORNING), rounds, lambda: None)
                    table.add(kind, closed, "steady", ms(steady_s), steady_n, 0)
                    table.add(kind, closed, "morning", ms(morning_s), morning_n, claimed[-1])
                    seconds[kind, closed] = (steady_s, morning_s)
                database.dispose()
    for kind in databases.kinds():
        (steady_few, morning_few), (steady_many, morning_many) = (seconds[kind, n] for n in histories)
        table.notes.append(
            f"{kind}: {histories[1]:,} closed against {histories[0]:,}: steady x{steady_many / steady_few:.2f}, "
            f"morning x{morning_many / morning_few:.2f}"
        )
    return [table]

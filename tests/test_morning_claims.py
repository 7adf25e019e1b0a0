"""A morning's time-driven work, claimed in batches of cases, is claimed once: by one clockwork
ticking again, and by two instances planning the same morning at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from benchmarks.population import MORNING, open_reviews
from bot.clock import SystemClock
from bot.clockwork.tick import BATCH, Clockwork
from bot.delivery.slack_api import make_client
from bot.services import Services
from storage import migrate
from storage.db import Database
from storage.models import AuditEvent, Card, Claim, OutboxMessage
from tests.conftest import bot_settings

# More than two batches, so the two instances' batches overlap in every way.
CASES = 2 * BATCH + 50


@pytest.fixture
def databases(database_url, standin, partnership) -> Iterator[tuple[Clockwork, Clockwork]]:
    """Two clockworks on one database, each with its own engine, as two instances have."""
    first = Database(database_url)
    migrate.upgrade(first)
    open_reviews(first, 1, CASES)
    second = Database(database_url)
    client = make_client(bot_settings(standin, database_url))
    yield tuple(Clockwork(Services.assemble(partnership, db, SystemClock(), client)) for db in (first, second))
    first.dispose()
    second.dispose()


def count(clockwork: Clockwork, query) -> int:
    with clockwork.services.database.transaction() as session:
        return session.scalar(query) or 0


def test_a_morning_claims_a_countdown_and_a_reminder_per_review_and_the_digest_once(databases):
    clockwork, _ = databases
    assert clockwork.plan(MORNING) == 2 * CASES + 1
    assert clockwork.plan(MORNING) == 0
    assert clockwork.plan(MORNING.replace(minute=1)) == 0


def test_two_instances_planning_the_same_morning_at_once_queue_each_notice_once(databases):
    start = threading.Barrier(2)
    claimed: list[int] = []

    def plan(clockwork: Clockwork) -> None:
        start.wait()
        claimed.append(clockwork.plan(MORNING))

    threads = [threading.Thread(target=plan, args=(clockwork,)) for clockwork in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(claimed) == 2 and sum(claimed) == 2 * CASES + 1
    either = databases[0]
    assert count(either, select(func.count()).select_from(Claim)) == 2 * CASES + 1
    reminders = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.key.like("%|reminder|10|channel"))
    assert count(either, reminders) == CASES
    # Each countdown edited the case card once: one version more than it had.
    assert count(either, select(func.count()).select_from(Card).where(Card.version == 2)) == CASES
    audited = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "reminder_queued")
    assert count(either, audited) == CASES

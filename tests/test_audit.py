"""The audit trail: written with every change, append-only in the database, hash-chained, and
checked by `cspr-bot audit verify`, which names the first entry that was tampered with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from storage import audit_chain, repositories
from storage.models import AuditEvent
from tests.conftest import RunningBot
from tests.test_desk_edges import start_review

CSPR_BOT = str(Path(sys.executable).with_name("cspr-bot"))


def verify(bot: RunningBot) -> audit_chain.ChainReport:
    with bot.services.database.transaction() as session:
        return audit_chain.verify(repositories.audit_trail(session))


def verify_command(bot: RunningBot) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": bot.runner.settings.database_url}
    return subprocess.run([CSPR_BOT, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60)


def tamper(bot: RunningBot, statement: str) -> None:
    """Change the trail behind the bot's back, as someone with database access could."""
    engine = create_engine(bot.runner.settings.database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            connection.execute(text(statement))
            connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
            connection.execute(text("DROP TRIGGER audit_events_no_delete"))
            connection.execute(text(statement))
    engine.dispose()


def test_the_trail_is_a_chain_that_verifies(bot: RunningBot):
    start_review(bot)
    report = verify(bot)
    assert report.intact and report.entries >= 3
    with bot.services.database.transaction() as session:
        entries = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [e.id for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == audit_chain.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:]))
    done = verify_command(bot)
    assert done.returncode == 0 and f"intact ({report.entries} entries)" in done.stdout


def test_the_database_refuses_to_change_or_delete_entries(bot: RunningBot):
    start_review(bot)
    for statement in (
        "UPDATE audit_events SET actor = 'U0SOMEONE' WHERE id = 1",
        "DELETE FROM audit_events WHERE id = 1",
    ):
        engine = create_engine(bot.runner.settings.database_url)
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
        engine.dispose()
    assert verify(bot).intact


def test_an_altered_entry_is_named(bot: RunningBot):
    start_review(bot)
    tamper(bot, "UPDATE audit_events SET actor = 'U0SOMEONE' WHERE id = 2")
    report = verify(bot)
    assert report.first_bad == 2 and "entry 2" in report.problem and "changed" in report.problem
    done = verify_command(bot)
    assert done.returncode == 1
    assert "tampered with: entry 2 (" in done.stderr


def test_a_deleted_entry_is_named(bot: RunningBot):
    start_review(bot)
    tamper(bot, "DELETE FROM audit_events WHERE id = 2")
    report = verify(bot)
    assert report.first_bad == 2 and report.problem == "entry 2 missing before entry 3"


def test_a_rewritten_chain_from_an_entry_on_is_still_caught_at_that_entry(bot: RunningBot):
    start_review(bot)
    # Changing an entry and recomputing its own hash still breaks the link from the next one.
    with bot.services.database.transaction() as session:
        second = session.get(AuditEvent, 2)
        forged = audit_chain.entry_hash(
            second.prev_hash, 2, second.at, "U0SOMEONE", second.action, second.case_id, second.detail
        )
    tamper(bot, f"UPDATE audit_events SET actor = 'U0SOMEONE', hash = '{forged}' WHERE id = 2")
    report = verify(bot)
    assert report.first_bad == 3 and "does not link to entry 2" in report.problem


def test_an_entry_survives_a_conflict_later_in_its_transaction(bot: RunningBot):
    # An entry is appended without a flush of its own; an insert that finds its key taken (an
    # event delivered twice) rolls back only its savepoint, never the entry before it.
    now = bot.clock.now()
    with bot.services.database.transaction() as session:
        assert repositories.first_delivery(session, "Ev-twice", now)
    with bot.services.database.transaction() as session:
        repositories.append_audit(session, now, "U01CHAIR", "noted", None, {})
        assert not repositories.first_delivery(session, "Ev-twice", now)
        repositories.append_audit(session, now, "U01CHAIR", "noted_again", None, {})
    with bot.services.database.transaction() as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["noted", "noted_again"] and verify(bot).intact

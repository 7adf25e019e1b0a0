"""Alembic migrations, shipped inside the package so they run from any working directory."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import text

from storage.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant will do; it only has to be the same in every instance of the bot.
_UPGRADE_LOCK = 0x43535052


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database: Database) -> None:
    """Bring the schema to head once, however many instances start together."""
    if database.engine.dialect.name == "postgresql":
        # A session-level advisory lock on its own connection, released explicitly: the second
        # instance waits here, then finds nothing left to do.
        with database.engine.connect() as lock:
            lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _UPGRADE_LOCK})
            lock.commit()
            try:
                _upgrade(database)
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _UPGRADE_LOCK})
                lock.commit()
    else:
        # SQLite transactions begin IMMEDIATE, which already serialises concurrent upgrades.
        _upgrade(database)


def _upgrade(database: Database) -> None:
    config = alembic_config(database.url)
    with database.engine.connect() as connection:
        # On SQLite, changing a column rebuilds its table, which must not check foreign keys
        # halfway (SQLite's own procedure for it); they are checked once, at the end, instead.
        # The pragma only works outside a transaction, so it goes to the driver's connection.
        sqlite = connection.dialect.name == "sqlite"
        driver = connection.connection.driver_connection if sqlite else None
        if driver is not None:
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError("the migrated database has rows whose foreign keys point nowhere")
        finally:
            if driver is not None:
                driver.execute("PRAGMA foreign_keys=ON")


def schema_problem(database: Database) -> str | None:
    """What keeps the database from holding this version's schema, and what to do about it; None
    when it does hold it."""
    scripts = ScriptDirectory.from_config(alembic_config(database.url))
    heads = set(scripts.get_heads())
    with database.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return None
    if not current:
        return "holds no cspr-bot schema: run `cspr-bot db upgrade`"
    shown = ", ".join(sorted(current))
    if all(_known(scripts, revision) for revision in current):
        needed = ", ".join(sorted(heads))
        return f"holds an older schema (revision {shown}; this cspr-bot needs {needed}): run `cspr-bot db upgrade`"
    return (
        f"holds a schema this cspr-bot does not know (revision {shown}): a newer cspr-bot made it, or another program"
    )


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        scripts.get_revision(revision)
    except CommandError:
        return False
    return True

"""Alembic migrations, shipped inside the package so they run from any working directory.

Alembic itself is imported only when there is something to migrate or explain: a database already
at HEAD is recognised from its version table alone, so starting the bot stays quick."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from storage.db import Database

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest migration's revision; tests/test_migrations.py holds it to what Alembic finds.
HEAD = "0005"
# Any constant will do; it only has to be the same in every instance of the bot.
_UPGRADE_LOCK = 0x43535052


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database: Database) -> str | None:
    """Bring the schema to head once, however many instances start together. What keeps it from
    there (a revision this version has no migration from), or None once it is there."""
    if _at_head(database):
        return None
    from alembic.util import CommandError

    try:
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
    except CommandError:
        return schema_problem(database)
    return None


def _upgrade(database: Database) -> None:
    from alembic import command

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
    if _at_head(database):
        return None
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config(database.url))
    with database.engine.connect() as connection:
        current = _revisions(connection)
    if not current:
        return "holds no cspr-bot schema: run `cspr-bot db upgrade`"
    shown = ", ".join(sorted(current))
    if all(_known(scripts, revision) for revision in current):
        needed = ", ".join(sorted(scripts.get_heads()))
        return f"holds an older schema (revision {shown}; this cspr-bot needs {needed}): run `cspr-bot db upgrade`"
    return (
        f"holds a schema this cspr-bot does not know (revision {shown}): a newer cspr-bot made it, or another program"
    )


def _at_head(database: Database) -> bool:
    with database.engine.connect() as connection:
        return _revisions(connection) == {HEAD}


def _revisions(connection: Connection) -> set[str]:
    """The revisions Alembic's version table records (none before the first migration)."""
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return set(connection.scalars(text("SELECT version_num FROM alembic_version")))


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    from alembic.util import CommandError

    try:
        scripts.get_revision(revision)
    except CommandError:
        return False
    return True

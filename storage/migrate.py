"""Alembic migrations, shipped inside the package so they run from any working directory."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
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
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

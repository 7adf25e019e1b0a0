"""Fresh, empty databases for a benchmark: a SQLite file, or a new database on a PostgreSQL server
(CSPR_TEST_POSTGRES_URL, or the cluster `python -m tests.pgcluster start` runs)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from storage import migrate
from storage.db import Database
from tests import pgcluster


def kinds() -> list[str]:
    """The databases this run measures: SQLite always, PostgreSQL when a server answers."""
    return ["sqlite", "postgresql"] if postgres_server() else ["sqlite"]


def postgres_server() -> str | None:
    return os.environ.get("CSPR_TEST_POSTGRES_URL") or pgcluster.url_of()


@contextmanager
def fresh(kind: str) -> Iterator[str]:
    """The URL of an empty, migrated database of `kind`, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="cspr-bench-") as folder:
            url = f"sqlite:///{Path(folder) / 'cspr.db'}"
            _migrate(url)
            yield url
        return
    server = postgres_server()
    assert server, "no PostgreSQL server: set CSPR_TEST_POSTGRES_URL or run python -m tests.pgcluster start"
    name = f"cspr_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        _migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    database = Database(url)
    try:
        migrate.upgrade(database)
    finally:
        database.dispose()

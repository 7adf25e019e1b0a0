"""Engines and transactions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

# The execution option that marks a connection's transactions as reading only (Database.reading).
_READING = "cspr_reading"


def make_engine(url: str) -> Engine:
    # hide_parameters: an error message or log line never carries the values of a query, which
    # may be a child's initials or a summary.
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True)
        _tune_sqlite(engine)
        return engine
    # Fail fast rather than hang when the server or the network goes away: connecting, an
    # unacknowledged send, and waiting for a pooled connection each give up within seconds.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=2,
        hide_parameters=True,
        connect_args={
            "connect_timeout": 2,
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 2,
            "tcp_user_timeout": 2500,
        },
    )


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names: connecting creates it when it is missing. None for PostgreSQL
    and for an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A write takes the write lock up front: two processes that both read, then write, would
        # otherwise fail with SQLITE_BUSY instead of waiting their turn. A read takes none, so
        # reads never queue behind each other or a write (WAL gives each a snapshot).
        connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(_READING) else "BEGIN IMMEDIATE")


def _switch_to_wal(cursor: Any) -> None:
    """Switching a new file to WAL needs it to itself, and SQLite answers "locked" at once, without
    its busy wait, while another process holds it (two instances starting together)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # The same pool; PostgreSQL's transactions take no lock until they write, so only SQLite
        # begins these differently.
        self._reader = self.engine.execution_options(**{_READING: True})
        self._readings = sessionmaker(self._reader, expire_on_commit=False)
        self._pinger = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ping")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any exception."""
        with self._sessions.begin() as session:
            yield session

    def session(self) -> Session:
        """A session whose caller decides when to commit; closing it rolls back the rest."""
        return self._sessions()

    def reading(self) -> Session:
        """A session for work that only reads: it never commits, and closing it rolls back."""
        return self._readings()

    def ping(self, timeout: float = 2.0) -> bool:
        """True if the database answers within `timeout` seconds."""
        try:
            return self._pinger.submit(self._ping).result(timeout=timeout)
        except Exception:
            return False

    def _ping(self) -> bool:
        with self._reader.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True

    def dispose(self) -> None:
        self.engine.dispose()

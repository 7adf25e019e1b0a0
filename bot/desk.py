"""The transaction boundary: runs a use case in one unit of work and wakes delivery after it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.outcomes import Done, Outcome, Refused
from bot.partnership import Partnership
from bot.work import Work
from bot.working_days import WorkingCalendar
from storage import repositories
from storage.db import Database

log = logging.getLogger(__name__)

# Slack waits 3 seconds for an answer; a request's database work must be decided before that.
REQUEST_DEADLINE = 2.5
DESK_WORKERS = 16  # requests whose database work may run at once
# Arguments safe to copy into the audit of a refused attempt (never free text).
_AUDITABLE = ("ref", "channel_id", "agency", "agency_key", "role", "outcome")
# SQLite reports a busy or missing file the same way as a bad query; these mean "not now".
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error")
# PostgreSQL's deadlock and serialisation failures: running the transaction again succeeds.
_POSTGRES_RETRY = ("40P01", "40001")


def unavailable(exc: DBAPIError) -> bool:
    """The database could not be reached or is busy, as opposed to a query that is wrong."""
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    if exc.orig.__class__.__module__ == "sqlite3":
        return any(fragment in str(exc.orig).lower() for fragment in _SQLITE_UNAVAILABLE)
    return True


def read_only(usecase: Callable[..., Outcome]) -> Callable[..., Outcome]:
    """Marks a use case that never commits a change: it runs in a read transaction, and running
    out of time on it means "nothing was saved" rather than "it may have been"."""
    usecase.read_only = True  # type: ignore[attr-defined]
    return usecase


def _worth_retrying(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in _POSTGRES_RETRY


class DatabaseUnavailable(Exception):
    """The database did not answer. With `maybe_saved`, it stopped answering after the change
    may have been committed, so the person is told to check rather than that nothing was saved."""

    def __init__(self, maybe_saved: bool = False) -> None:
        super().__init__("the database did not answer")
        self.maybe_saved = maybe_saved


class Desk:
    def __init__(
        self,
        database: Database,
        partnership: Partnership,
        calendar: WorkingCalendar,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.database = database
        self.partnership = partnership
        self.calendar = calendar
        self._on_commit = on_commit
        # Requests' database work runs here, so a request can be answered on time even when the
        # database hangs instead of failing.
        self._workers = ThreadPoolExecutor(max_workers=DESK_WORKERS, thread_name_prefix="desk")

    def run(
        self,
        now: datetime,
        usecase: Callable[..., Outcome],
        actor: str,
        *,
        deadline: float | None = None,
        **arguments: Any,
    ) -> Outcome:
        """Commit what the use case did only if it is Done with changes; anything else rolls back,
        except that an unauthorised attempt is itself audited. With a `deadline` (seconds), give
        up waiting after it: the work may still finish, so the caller says it may be saved."""
        attempt = partial(self._attempt, now, usecase, actor, arguments, deadline)
        if deadline is None:
            return self._run(attempt)
        work = self._workers.submit(self._run, attempt)
        try:
            return work.result(timeout=deadline)
        except TimeoutError:
            log.warning("%s: no answer from the database within %.1f s", usecase.__name__, deadline)
            raise DatabaseUnavailable(maybe_saved=not getattr(usecase, "read_only", False)) from None

    def first_delivery(self, event_id: str, now: datetime) -> bool:
        """Record an Events API delivery; False if this event was handled before, by any instance."""
        work = self._workers.submit(self._first_delivery, event_id, now)
        try:
            return work.result(timeout=REQUEST_DEADLINE)
        except TimeoutError:
            raise DatabaseUnavailable() from None
        except DBAPIError as exc:
            if unavailable(exc):
                raise DatabaseUnavailable() from exc
            raise

    def _first_delivery(self, event_id: str, now: datetime) -> bool:
        with self.database.transaction() as session:
            return repositories.first_delivery(session, event_id, now)

    def _run(self, attempt: Callable[[], Outcome]) -> Outcome:
        for number in range(3):
            try:
                outcome = attempt()
                break
            except IntegrityError:
                # A concurrent request claimed the same row first; running again sees its result.
                if number == 2:
                    raise
            except DBAPIError as exc:
                if not unavailable(exc):
                    raise
                if number == 2 or not _worth_retrying(exc):
                    raise DatabaseUnavailable() from exc
        if isinstance(outcome, Done) and outcome.changed:
            self._on_commit()
        return outcome

    def _attempt(
        self,
        now: datetime,
        usecase: Callable[..., Outcome],
        actor: str,
        arguments: dict[str, Any],
        deadline: float | None,
    ) -> Outcome:
        reading = getattr(usecase, "read_only", False)
        with self.database.reading() if reading else self.database.session() as session:
            if deadline is not None:
                _limit_waits(session, deadline)
            outcome = usecase(Work(session, self.partnership, self.calendar, now), actor, **arguments)
            if isinstance(outcome, Done) and outcome.changed:
                self._commit(session)
                return outcome
            session.rollback()
        if isinstance(outcome, Refused) and outcome.unauthorised:
            # A write of its own, even after a read: clipped, so a tampered request cannot write
            # long text into the trail.
            detail = {key: str(arguments[key])[:64] for key in _AUDITABLE if key in arguments}
            with self.database.session() as session:
                work = Work(session, self.partnership, self.calendar, now)
                work.audit(actor, "refused", None, attempted=usecase.__name__, reason=outcome.reason, **detail)
                self._commit(session)
            log.info("refused %s for %s", usecase.__name__, actor)
        return outcome

    def _commit(self, session: Session) -> None:
        try:
            session.commit()
        except DBAPIError as exc:
            if not unavailable(exc):
                raise
            # The commit may have reached the database before the connection was lost: what it
            # queued is delivered if it did, and the person is told to check, not to despair.
            self._on_commit()
            raise DatabaseUnavailable(maybe_saved=True) from exc


def _limit_waits(session: Session, deadline: float) -> None:
    """On PostgreSQL, a request's statements and lock waits give up before its deadline."""
    if session.get_bind().dialect.name == "postgresql":
        milliseconds = int(deadline * 1000 * 0.8)
        # One round trip for both, on every request.
        session.execute(text(f"SET LOCAL statement_timeout = {milliseconds}; SET LOCAL lock_timeout = {milliseconds}"))

"""The transaction boundary: runs a use case in one unit of work and wakes delivery after it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from bot.outcomes import Done, Outcome, Refused
from bot.partnership import Partnership
from bot.work import Work
from bot.working_days import WorkingCalendar
from storage import repositories
from storage.db import Database

log = logging.getLogger(__name__)

# Arguments safe to copy into the audit of a refused attempt (never free text).
_AUDITABLE = ("ref", "channel_id", "agency", "agency_key", "role", "outcome")


# SQLite reports a busy or missing file the same way as a bad query; these mean "not now".
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error")


def unavailable(exc: DBAPIError) -> bool:
    """The database could not be reached or is busy, as opposed to a query that is wrong."""
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    message = str(exc.orig).lower()
    return exc.orig.__class__.__module__ != "sqlite3" or any(text in message for text in _SQLITE_UNAVAILABLE)


class DatabaseUnavailable(Exception):
    """The database did not answer; nothing was saved."""


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

    def run(self, now: datetime, usecase: Callable[..., Outcome], actor: str, **arguments: Any) -> Outcome:
        """Commit what the use case did only if it is Done with changes; anything else rolls back,
        except that an unauthorised attempt is itself audited."""
        for attempt in range(3):
            try:
                outcome = self._attempt(now, usecase, actor, arguments)
                break
            except IntegrityError:
                # A concurrent request claimed the same row first; running again sees its result.
                if attempt == 2:
                    raise
            except DBAPIError as exc:
                if not unavailable(exc):
                    raise
                if attempt == 2 or exc.connection_invalidated:
                    raise DatabaseUnavailable() from exc
        if isinstance(outcome, Done) and outcome.changed:
            self._on_commit()
        return outcome

    def first_delivery(self, event_id: str, now: datetime) -> bool:
        """Record an Events API delivery; False if this event was handled before, by any instance."""
        with self.database.transaction() as session:
            return repositories.first_delivery(session, event_id, now)

    def _attempt(self, now: datetime, usecase: Callable[..., Outcome], actor: str, arguments: dict[str, Any]) -> Outcome:
        with self.database.session() as session:
            work = Work(session, self.partnership, self.calendar, now)
            outcome = usecase(work, actor, **arguments)
            if isinstance(outcome, Done) and outcome.changed:
                session.commit()
                return outcome
            session.rollback()
            if isinstance(outcome, Refused) and outcome.unauthorised:
                detail = {key: arguments[key] for key in _AUDITABLE if key in arguments}
                work.audit(actor, "refused", None, attempted=usecase.__name__, reason=outcome.reason, **detail)
                session.commit()
                log.info("refused %s for %s", usecase.__name__, actor)
            return outcome

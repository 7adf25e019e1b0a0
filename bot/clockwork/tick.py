"""The tick: everything time-driven, computed afresh from the database at each pass.

A tick holds no state of its own. It asks, for each open case, what is due at `now`
(`bot.timetable`), claims the due slots in the ledger a batch of cases at a time, queues their
notices in the same transaction, and then delivers the outbox. Running it twice at one instant, or
in two processes at once, sends each notice once; a tick after downtime sends what is still relevant.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dateutil.relativedelta import relativedelta

from bot.outcomes import Done
from bot.review.stages import OPEN_STAGES, Stage
from bot.review.timetable import CaseDates, Due, claim_key, digest_day, due_for_action, due_for_case
from bot.services import Services
from bot.usecases import reminders
from bot.usecases.retention import apply_retention
from bot.work import BOT, Work
from storage import repositories

log = logging.getLogger(__name__)
_OPEN = tuple(stage.value for stage in OPEN_STAGES)
# Cases (or actions) claimed in one transaction: one lock, one re-read and one ledger insert for
# them all, while a person's change to one of them waits no longer than a batch takes.
BATCH = 100

# (case or action id, what is due, its ledger key)
_Slot = tuple[int, Due, str]


def _batches(slots: list[_Slot], taken: set[str]) -> Iterator[list[_Slot]]:
    """The slots not taken yet, in batches of up to BATCH cases (or actions), each whole."""
    by_owner: dict[int, list[_Slot]] = {}
    for slot in slots:
        if slot[2] not in taken:
            by_owner.setdefault(slot[0], []).append(slot)
    owners = list(by_owner.values())
    for start in range(0, len(owners), BATCH):
        yield [slot for owned in owners[start : start + BATCH] for slot in owned]


def _dates(row: Any) -> CaseDates:
    return CaseDates(**{name: value for name, value in row._mapping.items() if name not in ("id", "ref")})


@dataclass(frozen=True)
class TickReport:
    claimed: int
    delivered: int


class Clockwork:
    def __init__(self, services: Services) -> None:
        self.services = services

    def tick(self, now: datetime) -> TickReport:
        claimed = self.plan(now)
        delivered = self.services.delivery.drain(now)
        return TickReport(claimed, delivered)

    def digest(self, now: datetime) -> TickReport:
        """The scheduler's digest job: today's digest, if not sent already, and delivery."""
        claimed = self._plan_digest(now)
        return TickReport(claimed, self.services.delivery.drain(now))

    def retention(self, now: datetime, older_than_months: int | None = None) -> list[str]:
        """Remove identifiable free text from cases closed longer ago than the retention period;
        returns the references of the cases it changed. The cards it re-renders go out with the
        next tick."""
        closed_before = self._retention_cutoff(now, older_than_months)
        outcome = self.services.desk.run(now, apply_retention, BOT, closed_before=closed_before)
        return list(outcome.data["cases"]) if isinstance(outcome, Done) else []

    def retention_due(self, now: datetime, older_than_months: int | None = None) -> list[str]:
        """The references of the cases `retention` would change at `now`, changing nothing."""
        closed_before = self._retention_cutoff(now, older_than_months)
        with self.services.database.transaction() as session:
            return [case.ref for case in repositories.closed_unredacted(session, Stage.CLOSED.value, closed_before)]

    def _retention_cutoff(self, now: datetime, older_than_months: int | None) -> datetime:
        return now - relativedelta(months=older_than_months or self.services.partnership.retention.older_than_months)

    def plan(self, now: datetime) -> int:
        services = self.services
        with services.database.transaction() as session:
            cases = repositories.case_dates(session, _OPEN)
            actions = repositories.open_action_dates(session)
        wanted: list[_Slot] = []
        for row in cases:
            for due in due_for_case(_dates(row), services.partnership, services.calendar, now):
                wanted.append((row.id, due, claim_key(row.ref, due.kind, due.slot)))
        owed: list[_Slot] = []
        for row in actions:
            for due in due_for_action(row.due_on, services.partnership, services.calendar, now):
                owed.append((row.id, due, claim_key(f"action-{row.id}", due.kind, due.slot)))
        day = digest_day(services.partnership, services.calendar, now)
        digest_key = f"digest|{day.isoformat()}" if day else None
        with services.database.transaction() as session:
            taken = repositories.claimed_keys(
                session, [key for _, _, key in wanted + owed] + ([digest_key] if digest_key else [])
            )
        claimed = sum(self._claim_for_cases(batch, now) for batch in _batches(wanted, taken))
        claimed += sum(self._claim_for_actions(batch, now) for batch in _batches(owed, taken))
        if digest_key and digest_key not in taken:
            claimed += self._plan_digest(now)
        return claimed

    def _claim_for_cases(self, slots: list[_Slot], now: datetime) -> int:
        services = self.services
        with services.database.transaction() as session:
            work = Work(session, services.partnership, services.calendar, now)
            ids = sorted({case_id for case_id, _, _ in slots})
            cases = repositories.cases_by_id(session, ids, lock=True)
            # Re-read under the cases' locks: each may have moved on since the plan was made.
            still_due = {
                row.id: due_for_case(_dates(row), services.partnership, services.calendar, now)
                for row in repositories.case_dates(session, _OPEN, ids)
            }
            ready = [(cases[case_id], due, key) for case_id, due, key in slots if due in still_due.get(case_id, ())]
            won = work.claim_all([(key, due.kind, case) for case, due, key in ready])
            for case, due, key in ready:
                if key in won:
                    reminders.for_case(work, case, due, key)
        return len(won)

    def _claim_for_actions(self, slots: list[_Slot], now: datetime) -> int:
        services = self.services
        with services.database.transaction() as session:
            work = Work(session, services.partnership, services.calendar, now)
            actions = repositories.actions_by_id(session, sorted({action_id for action_id, _, _ in slots}), lock=True)
            # Re-read under the actions' locks: each may have been completed since the plan was made.
            ready = [
                (action, due, key)
                for action_id, due, key in slots
                if (action := actions.get(action_id)) is not None
                and action.state == "open"
                and due in due_for_action(action.due_on, services.partnership, services.calendar, now)
            ]
            won = work.claim_all([(key, due.kind, action.recommendation.case) for action, due, key in ready])
            for action, due, key in ready:
                if key in won:
                    reminders.for_action(work, action, due, key)
        return len(won)

    def _plan_digest(self, now: datetime) -> int:
        services = self.services
        day = digest_day(services.partnership, services.calendar, now)
        if day is None:
            return 0
        key = f"digest|{day.isoformat()}"
        with services.database.transaction() as session:
            work = Work(session, services.partnership, services.calendar, now)
            if not work.claim(key, "digest"):
                return 0
            reminders.digest(work, day, key)
        log.info("digest for %s queued", day)
        return 1

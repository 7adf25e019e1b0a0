"""A unit of work: one transaction in which a state change, its audit events and the notices it
causes are written together, so none of them can exist without the others."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.partnership import Partnership
from bot.review.permissions import stakeholders
from bot.working_days import WorkingCalendar
from messages import render
from storage import repositories
from storage.models import Card, Case

# The actor of what the bot does by itself (reminders, digests, retention) in the audit trail.
BOT = "cspr-bot"


@dataclass
class Work:
    session: Session
    partnership: Partnership
    calendar: WorkingCalendar
    now: datetime
    _homes_touched: set[int] = field(default_factory=set)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.partnership.timezone).date()

    def render(self, template: str, **values: Any) -> dict[str, Any]:
        """A message for the partnership's platform (messages/templates/<platform>/)."""
        return render(template, platform=self.partnership.platform, **values)

    def audit(self, actor: str, action: str, case: Case | None = None, **detail: Any) -> None:
        """Record who did what. `detail` holds ids and choices, never child identifiers.
        What a person does to a case changes what its people see waiting on their App Home."""
        repositories.append_audit(self.session, self.now, actor, action, case.id if case else None, detail)
        if case is not None and actor != BOT and case.id not in self._homes_touched:
            self._homes_touched.add(case.id)
            self.homes_changed(stakeholders(self.partnership, [link.agency_key for link in case.agencies]))

    def homes_changed(self, users: list[str]) -> None:
        """These people's App Homes show something that changed: rebuild those that exist."""
        repositories.touch_home_tabs(self.session, users)

    def notify(
        self,
        key: str,
        to: str,
        message: dict[str, Any],
        case: Case | None = None,
        *,
        while_stage: str | None = None,
        while_waiting: list[str] | None = None,
        expires_at: datetime | None = None,
    ) -> bool:
        """Queue a message to a channel or (by user id) a direct message, once per `key`.
        A reminder is dropped unsent if, by the time it can go, its case has left `while_stage`,
        none of the people in `while_waiting` is still being waited for, or it has expired."""
        payload: dict[str, Any] = {"to": to, **message}
        if while_stage is not None:
            payload["while_stage"] = while_stage
        if while_waiting is not None:
            payload["while_waiting"] = while_waiting
        if expires_at is not None:
            payload["expires_at"] = expires_at.isoformat()
        return self._claim(key, "notice", case, payload)

    def claim(self, key: str, kind: str, case: Case | None = None) -> bool:
        """Take a slot in the ledger of time-driven work; False if it was taken before."""
        return key in self.claim_all([(key, kind, case)])

    def claim_all(self, slots: list[tuple[str, str, Case | None]]) -> set[str]:
        """Take each (key, kind, case) slot not taken before; returns the keys taken here."""
        return repositories.claim_slots(
            self.session,
            [
                {"key": key, "kind": kind, "case_id": case.id if case else None, "claimed_at": self.now}
                for key, kind, case in slots
            ],
        )

    def invite(self, key: str, case: Case, users: list[str]) -> bool:
        return self._claim(key, "invite", case, {"users": users})

    def open_channel(self, key: str, case: Case, started_by: str) -> bool:
        return self._claim(key, "open_channel", case, {"started_by": started_by})

    def report_image(self, key: str, user: str, payload: dict[str, Any]) -> bool:
        """Send a report's charts to `user` as an image in their direct messages, once per `key`."""
        return self._claim(key, "report_image", None, {"to": user, **payload})

    def archive_channel(self, key: str, case: Case) -> bool:
        """Archive the case channel once everything queued for it has been posted."""
        return self._claim(key, "archive", case, {})

    def _claim(self, key: str, kind: str, case: Case | None, payload: dict[str, Any]) -> bool:
        return repositories.claim(
            self.session,
            {
                "key": key,
                "kind": kind,
                "platform": self.partnership.platform,
                "case_id": case.id if case else None,
                "payload": payload,
                "created_at": self.now,
                "next_attempt_at": self.now,
                "status": "pending",
                "attempts": 0,
                "outcome_unknown": False,
            },
        )

    def refresh(self, case: Case | None, kind: str, *, destination: str | None = None, pin: bool = False) -> None:
        """Mark a card as changed, creating it if it is new; delivery brings Slack in step. A card
        about no case (a national review's recommendation) has a kind unique on its own."""
        case_id = case.id if case is not None else None
        card = repositories.card(self.session, case_id, kind)
        if card is None:
            if destination is None:
                return
            self.session.add(
                Card(
                    case_id=case_id,
                    kind=kind,
                    destination=destination,
                    pin=pin,
                    version=1,
                    synced_version=0,
                    attempts=0,
                )
            )
            return
        card.version += 1

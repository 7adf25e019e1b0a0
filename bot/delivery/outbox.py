"""Outbox and cards to the chat platform: each notice delivered once, each card brought up to date.

Every send is leased first, so several workers or processes never send the same item at once.
An attempt that may have reached the platform without an answer (a dropped connection, a 5xx, a
crash) is remembered; the next attempt looks for the message's key in the conversation before
posting again. The platform's calls are its messenger's (bot/platforms/port.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from bot.delivery.cards import render_stored
from bot.outcomes import Done
from bot.partnership import Partnership
from bot.platforms.port import ARCHIVED, SPACE_GONE, CallFailure, Failed, Gone, Messenger
from bot.review import permissions
from bot.review.outstanding import waiting_on
from bot.review.stages import Stage
from bot.usecases import home
from bot.usecases.channels import channel_failed, channel_name, channel_opened
from bot.usecases.reminders import channel_archived
from bot.work import BOT, Work
from bot.working_days import WorkingCalendar
from messages import render
from storage import repositories
from storage.db import Database
from storage.models import Card, Case, HomeTab, OutboxMessage

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=15)
MAX_CHANNEL_NAME_ATTEMPTS = 20


class _NotYet(Exception):
    """Nothing was sent: the item waits for others to go first (tried again on a later pass)."""


@dataclass
class _Sent:
    result: dict[str, Any] = field(default_factory=dict)
    follow_up: Callable[[Work], None] | None = None


def _record_channel(case_id: int, channel_id: str, name: str, started_by: str, work: Work) -> None:
    case = repositories.case_by_id(work.session, case_id, lock=True)
    assert case is not None
    channel_opened(work, case, channel_id, name, started_by)


def _record_archived(case_id: int, work: Work) -> None:
    case = repositories.case_by_id(work.session, case_id, lock=True)
    assert case is not None
    case.channel_archived_at = work.now
    work.audit(BOT, "case_channel_archived", case, channel=case.channel_id)


def _failure(messenger: Messenger, exc: Exception) -> CallFailure:
    """A platform failure as classified, or a fault of our own: logged, and retried later."""
    if isinstance(exc, Failed):
        return exc.failure
    failure = messenger.classify(exc)
    if failure is None:
        log.exception("delivery fault")
        failure = CallFailure(error=type(exc).__name__, permanent=False, maybe_done=True)
    return failure


def _log_failure(failure: CallFailure, message: str, *args: object) -> None:
    # Throttling is the platform pacing a busy morning, not a fault: a warning each time would
    # fill the log with one line for every card Slack asked to wait.
    log.log(logging.DEBUG if failure.error == "ratelimited" else logging.WARNING, message, *args)


def backoff(attempts: int, failure: CallFailure) -> timedelta:
    """A throttled call again when the platform's Retry-After says (it did nothing, and others
    wait their turn meanwhile); any other failure 30 s, 1 min, 2 min, ... capped at 15 min, and
    never sooner than a Retry-After."""
    if failure.error == "ratelimited":
        return timedelta(seconds=max(1, failure.retry_after or 1))
    delay = min(FIRST_BACKOFF * (2 ** max(0, attempts - 1)), MAX_BACKOFF)
    if failure.retry_after is not None:
        delay = max(delay, timedelta(seconds=failure.retry_after))
    return delay


class Delivery:
    def __init__(
        self,
        database: Database,
        messenger: Messenger,
        partnership: Partnership,
        calendar: WorkingCalendar,
    ) -> None:
        self.database = database
        self.messenger = messenger
        self.partnership = partnership
        self.calendar = calendar

    def next_attempt(self, now: datetime) -> datetime | None:
        """When something waiting to be tried again next falls due, if anything is waiting that
        no other delivery is sending at `now`."""
        with self.database.reading() as session:
            return repositories.next_attempt(session, now)

    def drain(self, now: datetime) -> int:
        """Send everything due at `now`; returns how many items went out."""
        delivered = 0
        while True:
            with self.database.transaction() as session:
                message_ids = repositories.due_outbox_ids(session, now, 50)
            for message_id in message_ids:
                delivered += self._deliver(message_id, now)
            with self.database.transaction() as session:
                card_ids = repositories.due_card_ids(session, now, 50)
            for card_id in card_ids:
                delivered += self._sync(card_id, now)
            with self.database.transaction() as session:
                home_ids = repositories.due_home_ids(session, now, 50)
            for user_id in home_ids:
                delivered += self._publish_home(user_id, now)
            if not message_ids and not card_ids and not home_ids:
                return delivered

    # -- the outbox ---------------------------------------------------------------------------

    def _deliver(self, message_id: int, now: datetime) -> int:
        with self.database.transaction() as session:
            message = repositories.lease_outbox(session, message_id, now, now + LEASE)
            if message is None:
                return 0
            if self._stale(session, message, now):
                message.status = "expired"
                message.lease_until = None
                return 0
            # Until this attempt is known to have failed cleanly, it may have reached the platform.
            look_first = message.outcome_unknown
            message.outcome_unknown = True
            item = {"key": message.key, "kind": message.kind, "case_id": message.case_id, **message.payload}
        send = {
            "notice": self._send_notice,
            "invite": self._send_invite,
            "open_channel": self._open_channel,
            "archive": self._archive_channel,
            "report_image": self._send_report_image,
        }[item["kind"]]
        try:
            sent = send(item, now, look_first)
        except _NotYet:
            with self.database.transaction() as session:
                message = session.get(OutboxMessage, message_id)
                assert message is not None
                message.lease_until, message.outcome_unknown = None, look_first
                message.next_attempt_at = now + FIRST_BACKOFF
            return 0
        except Exception as exc:
            self._message_failed(message_id, item, _failure(self.messenger, exc), now)
            return 0
        with self.database.transaction() as session:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            message.status = "sent"
            message.sent_at = now
            message.result = sent.result
            message.lease_until = None
            message.last_error = None
            if sent.follow_up:
                sent.follow_up(Work(session, self.partnership, self.calendar, now))
        return 1

    def _stale(self, session: Session, message: OutboxMessage, now: datetime) -> bool:
        """A reminder whose case has moved on, or whose day has passed, is no longer worth sending."""
        payload = message.payload
        if "expires_at" in payload and now >= datetime.fromisoformat(payload["expires_at"]):
            return True
        if message.case_id is None or not ("while_stage" in payload or "while_waiting" in payload):
            return False
        case = repositories.case_by_id(session, message.case_id)
        if case is None or case.stage != payload.get("while_stage", case.stage):
            return True
        if "while_waiting" in payload:
            still = {person for item in waiting_on(case, self.partnership) for person in item.people}
            return not still.intersection(payload["while_waiting"])
        return False

    def _archived(self, session: Session, case_id: int | None, channel: str | None, now: datetime) -> None:
        """The platform said a case's space is archived: record it (and tell the chairs) once."""
        case = repositories.case_by_id(session, case_id, lock=True) if case_id else None
        if case is not None and channel and case.channel_id == channel:
            channel_archived(Work(session, self.partnership, self.calendar, now), case)

    def _message_failed(self, message_id: int, item: dict[str, Any], failure: CallFailure, now: datetime) -> None:
        _log_failure(failure, "delivery of %s failed: %s", item["key"], failure.error)
        with self.database.transaction() as session:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            message.lease_until = None
            message.last_error = failure.error[:200]
            message.outcome_unknown = failure.maybe_done
            if failure.permanent:
                message.status = "failed"
                if failure.error == ARCHIVED:
                    self._archived(session, item["case_id"], item.get("to"), now)
                if item["kind"] == "open_channel":
                    case = repositories.case_by_id(session, item["case_id"], lock=True)
                    if case is not None and case.stage == Stage.OPENING:
                        work = Work(session, self.partnership, self.calendar, now)
                        channel_failed(work, case, failure.error, item["started_by"], item["key"])
            else:
                message.next_attempt_at = now + backoff(message.attempts, failure)

    def _send_notice(self, item: dict[str, Any], now: datetime, look_first: bool) -> _Sent:
        channel = self._conversation(item["to"])
        if look_first and (ts := self.messenger.find_posted(channel, item["key"])):
            return _Sent({"channel": channel, "ts": ts, "found": True})
        return _Sent({"channel": channel, "ts": self.messenger.post(channel, item, item["key"])})

    def _send_report_image(self, item: dict[str, Any], now: datetime, look_first: bool) -> _Sent:
        """A report's charts as one PNG in a direct message. Its file name is unique to the request,
        so an upload that may have gone through is found in the conversation rather than repeated."""
        # Only here: the charts' matplotlib takes a while to load, and nothing else sent needs it.
        from bot.reporting import charts

        channel = self._conversation(item["to"])
        if look_first and (file_id := self.messenger.find_image(channel, item["filename"])):
            return _Sent({"channel": channel, "file": file_id, "found": True})
        file_id = self.messenger.share_image(
            channel,
            charts.png(item["report"]),
            item["filename"],
            item["title"],
            "; ".join(description for _, description in charts.CHARTS.values()),
        )
        return _Sent({"channel": channel, "file": file_id})

    def _send_invite(self, item: dict[str, Any], now: datetime, look_first: bool) -> _Sent:
        with self.database.transaction() as session:
            case = repositories.case_by_id(session, item["case_id"])
            channel = case.channel_id if case else None
        if not channel:
            raise Failed(CallFailure("no case channel", permanent=True, maybe_done=False))
        return _Sent({"channel": channel, "problems": self.messenger.invite(channel, item["users"])})

    def _open_channel(self, item: dict[str, Any], now: datetime, look_first: bool) -> _Sent:
        with self.database.transaction() as session:
            case = repositories.case_by_id(session, item["case_id"])
            assert case is not None
            if case.stage != Stage.OPENING or case.channel_id:
                return _Sent({"skipped": case.stage})
            ref = case.ref
            members = permissions.case_channel_members(self.partnership, [link.agency_key for link in case.agencies])
        for attempt in range(1, MAX_CHANNEL_NAME_ATTEMPTS + 1):
            name = channel_name(self.partnership.channel_prefix, ref, attempt)
            space = self.messenger.open_space(name, members, self._unused)
            if space is None:
                continue
            follow_up = partial(_record_channel, item["case_id"], space.id, space.name, item["started_by"])
            return _Sent({"channel": space.id, "name": space.name}, follow_up)
        raise Failed(CallFailure("no free channel name", permanent=True, maybe_done=False))

    def _unused(self, space_id: str) -> bool:
        with self.database.transaction() as session:
            return repositories.case_by_channel(session, space_id) is None

    def _archive_channel(self, item: dict[str, Any], now: datetime, look_first: bool) -> _Sent:
        with self.database.transaction() as session:
            case = repositories.case_by_id(session, item["case_id"])
            assert case is not None
            if not case.channel_id or case.channel_archived_at is not None:
                return _Sent({"skipped": "no open channel"})
            channel, name = case.channel_id, case.channel_name or ""
            # Nothing can be posted or edited in an archived channel: the closing summary and
            # the cards' last edits go first.
            if repositories.unfinished_for_channel(session, case.id, channel):
                raise _NotYet()
        self.messenger.archive(channel, name)
        return _Sent({"channel": channel}, partial(_record_archived, item["case_id"]))

    # -- cards ----------------------------------------------------------------------------------

    def _sync(self, card_id: int, now: datetime) -> int:
        with self.database.transaction() as session:
            card = repositories.lease_card(session, card_id, now, now + LEASE)
            if card is None:
                return 0
            target = card.version
            state = {
                "key": f"card:{card.id}",
                "destination": card.destination,
                "channel": card.channel_id,
                "ts": card.ts,
                "pin": card.pin,
                "look_first": card.attempts > 1,
            }
        try:
            with self.database.transaction() as session:
                card = session.get(Card, card_id)
                assert card is not None
                today = now.astimezone(self.partnership.timezone).date()
                message = render_stored(session, card, self.partnership, self.calendar, today)
                target = card.version
            channel, ts = self._show_card(state, message)
        except Exception as exc:
            self._card_failed(card_id, target, _failure(self.messenger, exc), now)
            return 0
        with self.database.transaction() as session:
            card = session.get(Card, card_id)
            assert card is not None
            card.channel_id, card.ts = channel, ts
            card.synced_version = max(card.synced_version, target)
            card.lease_until = None
            card.attempts = 0
            card.next_attempt_at = None
            card.last_error = None
            case = session.get(Case, card.case_id) if card.case_id is not None else None
            unarchived = case is not None and case.channel_id == channel and case.channel_archived_at is not None
        if unarchived:
            # Posting there worked, so the channel was unarchived. A transaction of its own: people's
            # changes lock the case before its cards, and this must not hold a card while waiting.
            with self.database.transaction() as session:
                case = repositories.case_by_id(session, card.case_id, lock=True)
                if case is not None and case.channel_id == channel:
                    case.channel_archived_at = None
        return 1

    def _show_card(self, state: dict[str, Any], message: dict[str, Any]) -> tuple[str, str]:
        channel = state["channel"] or self._conversation(state["destination"])
        if state["ts"]:
            try:
                self.messenger.update(channel, state["ts"], message, state["key"])
                return channel, state["ts"]
            except Gone:
                pass  # Someone deleted the card: post it again rather than lose it.
        ts = self.messenger.find_posted(channel, state["key"]) if state["look_first"] else None
        if ts is None:
            ts = self.messenger.post(channel, message, state["key"])
        if state["pin"]:
            self.messenger.pin(channel, ts)
        return channel, ts

    def _card_failed(self, card_id: int, target: int, failure: CallFailure, now: datetime) -> None:
        _log_failure(failure, "card %s not updated: %s", card_id, failure.error)
        with self.database.transaction() as session:
            card = session.get(Card, card_id)
            assert card is not None
            card.lease_until = None
            card.last_error = failure.error[:200]
            if failure.permanent and failure.error in SPACE_GONE:
                card.synced_version = max(card.synced_version, target)
                if failure.error == ARCHIVED:
                    self._archived(session, card.case_id, card.channel_id or card.destination, now)
            else:
                card.next_attempt_at = now + backoff(card.attempts, failure)

    # -- App Home tabs -------------------------------------------------------------------------

    def _publish_home(self, user_id: str, now: datetime) -> int:
        with self.database.transaction() as session:
            home_tab = repositories.lease_home(session, user_id, now, now + LEASE)
            if home_tab is None:
                return 0
            target = home_tab.version
        try:
            with self.database.transaction() as session:
                work = Work(session, self.partnership, self.calendar, now)
                outcome = home.home(work, user_id)
                assert isinstance(outcome, Done)
                view = render(
                    "app_home", platform=self.messenger.platform, partnership=self.partnership, **outcome.data
                )
            self.messenger.publish_home(user_id, view)
        except Exception as exc:
            failure = _failure(self.messenger, exc)
            _log_failure(failure, "home tab not published: %s", failure.error)
            with self.database.transaction() as session:
                home_tab = session.get(HomeTab, user_id)
                assert home_tab is not None
                home_tab.lease_until = None
                home_tab.last_error = failure.error[:200]
                if failure.permanent:
                    home_tab.synced_version = max(home_tab.synced_version, target)
                else:
                    home_tab.next_attempt_at = now + backoff(home_tab.attempts, failure)
            return 0
        with self.database.transaction() as session:
            home_tab = session.get(HomeTab, user_id)
            assert home_tab is not None
            home_tab.synced_version = max(home_tab.synced_version, target)
            home_tab.lease_until, home_tab.attempts, home_tab.next_attempt_at, home_tab.last_error = None, 0, None, None
        return 1

    # -- where to post -------------------------------------------------------------------------

    def _conversation(self, destination: str) -> str:
        """A channel id as given; a person's id becomes the bot's direct chat with them."""
        if not destination:
            raise Failed(CallFailure("no destination", permanent=True, maybe_done=False))
        return self.messenger.conversation(destination)

"""The PPRG digest at scale: 10, 300 and 3,000 open cases, a third of them overdue.

The digest is queued as the 08:30 tick queues it (every open case read, its rows rendered, its
messages put in the outbox); each message it queued is then checked as Slack's own models check
Block Kit (50 blocks, 3,000 characters a section), or against Teams' card size.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

import bot.demo
from benchmarks import databases
from benchmarks.table import Table, ms
from bot.partnership import Partnership, load, parse
from bot.review.stages import Stage
from bot.usecases import reminders
from bot.work import Work
from bot.working_days import WorkingCalendar
from messages.renderer import TEAMS_CARD_LIMIT
from storage.db import Database
from storage.models import Case, CaseAgency, OutboxMessage, SignOff
from tests.blockkit import assert_valid_message

DAY = date(2026, 3, 30)  # a Monday
NOW = datetime(2026, 3, 30, 7, 30, tzinfo=UTC)  # 08:30 in London
AGENCIES = ("police", "csc", "health", "education")
DEMO = Path(bot.demo.__file__).parent
# A listed case in a message's JSON: *ref* on Slack, **ref** on Teams (its hyphen escaped).
REF = re.compile(r"\*\*?2026(?:\\\\)?-(\d{4})\*")


def populate(database: Database, count: int) -> None:
    """`count` open rapid reviews, every third one past its 15 working days, each waiting for
    three of its four agencies; inserted in bulk, newest reference last."""

    def case(number: int) -> dict[str, Any]:
        late = number % 3 == 0
        aware = DAY - timedelta(days=30 if late else 7)
        return dict(
            id=number, ref=f"2026-{number:04d}", ref_year=2026, ref_seq=number, referral_key=f"D{number}",
            stage=Stage.RAPID_REVIEW.value, referring_agency="police", referred_by="U01POLICE",
            referred_at=NOW - timedelta(days=30), child_identifier="AB", summary="s", age_band="under_1",
            harm="death", abuse_types=["neglect"], incident_on=aware, aware_on=aware, criteria_view="yes",
            notification_due=calendar.add(aware, 5), notified_on=calendar.add(aware, 2),
            review_due=calendar.add(aware, 15), channel_id=f"C{number:08d}", channel_name=f"rr-2026-{number:04d}",
        )  # fmt: skip

    calendar = WorkingCalendar()
    numbers = range(1, count + 1)
    with database.transaction() as session:
        session.execute(insert(Case), [case(number) for number in numbers])
        session.execute(
            insert(CaseAgency),
            [dict(case_id=n, agency_key=key, added_by="U01CHAIR", added_at=NOW) for n in numbers for key in AGENCIES],
        )
        session.execute(
            insert(SignOff), [dict(case_id=n, agency_key="police", user_id="U01POLICE", signed_at=NOW) for n in numbers]
        )


class _TimedWork(Work):
    """Work that keeps the time its templates took to render."""

    rendering = 0.0

    def render(self, template: str, **values: Any) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            return super().render(template, **values)
        finally:
            self.rendering += time.perf_counter() - started


def measure(url: str, partnership: Partnership, count: int) -> dict[str, Any]:
    database = Database(url)
    try:
        populate(database, count)
        started = time.perf_counter()
        with database.transaction() as session:
            work = _TimedWork(session, partnership, WorkingCalendar(partnership.closure_days), NOW)
            reminders.digest(work, DAY, f"digest|{DAY}")
        queued = time.perf_counter() - started
        with database.transaction() as session:
            sent = [
                message.payload
                for message in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
                if message.payload["to"] == partnership.pprg_channel
            ]
    finally:
        database.dispose()
    return dict(queued=queued, rendering=work.rendering, **_check(sent, partnership.platform, count))


def _check(sent: list[dict[str, Any]], platform: str, count: int) -> dict[str, Any]:
    """What the messages hold: their size, whether the platform accepts them, and whether every
    case is there once, overdue ones first."""
    listed: list[str] = []
    sizes: list[int] = []
    for payload in sent:
        message = {name: payload[name] for name in ("text", "blocks", "card") if name in payload}
        if platform == "slack":
            assert_valid_message(message)
            sizes.append(len(message["blocks"]))
        else:
            size = len(json.dumps(message["card"]))
            assert size <= TEAMS_CARD_LIMIT, size
            sizes.append(size)
        listed += [f"2026-{number}" for number in REF.findall(json.dumps(message))]
    every_case = sorted(listed) == [f"2026-{n:04d}" for n in range(1, count + 1)]
    overdue = count // 3
    return dict(
        messages=len(sent),
        largest=max(sizes),
        every_case=every_case,
        overdue_first=all(int(ref[5:]) % 3 == 0 for ref in listed[:overdue]),
    )


def run(smoke: bool) -> list[Table]:
    table = Table(
        "Digest at scale",
        ["database", "platform", "open cases", "queued in ms", "of which rendering ms", "messages",
         "largest message", "every case once", "overdue first"],
    )  # fmt: skip
    sizes = (3, 12) if smoke else (10, 300, 3000)
    partnerships = [load(DEMO / "partnership.yaml"), _teams_partnership()]
    for partnership in partnerships:  # templates compile once per process, not per digest
        with databases.fresh("sqlite") as url:
            measure(url, partnership, 1)
    for kind in databases.kinds():
        for partnership in partnerships:
            for count in sizes:
                with databases.fresh(kind) as url:
                    result = measure(url, partnership, count)
                largest = (
                    f"{result['largest']} blocks" if partnership.platform == "slack" else f"{result['largest']:,} bytes"
                )
                table.add(
                    kind, partnership.platform, count, ms(result["queued"]), ms(result["rendering"]),
                    result["messages"], largest, _yes(result["every_case"]), _yes(result["overdue_first"]),
                )  # fmt: skip
    table.notes.append(
        "Slack allows 50 blocks a message and 3,000 characters a section, each message checked with "
        f"slack_sdk's own models; Teams about {TEAMS_CARD_LIMIT:,} bytes a card."
    )
    return [table]


def _teams_partnership() -> Partnership:
    text = (DEMO / "teams-partnership.yaml").read_text(encoding="utf-8")
    for name in ("pprg_channel", "learning_channel"):
        text = text.replace("{" + name + "}", f"19:{name}@thread.tacv2")
    return parse(text)


def _yes(value: bool) -> str:
    return "yes" if value else "NO"

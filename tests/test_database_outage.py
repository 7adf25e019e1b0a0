"""The database away for a while (PostgreSQL, reached through a TCP link the tests can cut): people
get a clear answer at once, nothing is half-written, and everything works again when it is back,
without restarting anything."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from bot.clock import SimulatedClock
from bot.clockwork.scheduler import _guarded
from bot.clockwork.tick import Clockwork
from bot.partnership import Partnership
from bot.standin import SlackStandIn
from handlers.turn import DATABASE_DOWN
from tests.conftest import GENERAL, START, RunningBot, start_bot
from tests.proxies import TcpProxy
from tests.test_rapid_review_story import PPRG, REFERRAL, refer

TABLES = ("case_sequences", "cases", "case_agencies", "audit_events", "outbox", "claims", "cards", "processed_events")


@dataclass
class Outage:
    bot: RunningBot
    proxy: TcpProxy
    direct: Engine  # the test's own way in, around the link the bot uses

    def rows(self) -> dict[str, int]:
        with self.direct.connect() as connection:
            counts = {table: connection.scalar(text(f"SELECT count(*) FROM {table}")) for table in TABLES}
            counts["last case number"] = connection.scalar(text("SELECT coalesce(max(last), 0) FROM case_sequences"))
        return counts

    def health(self) -> tuple[int, Any]:
        url = self.bot.standin.app_url.replace("/slack/events", "/healthz")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(url, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


@pytest.fixture
def outage(standin: SlackStandIn, postgres_url: str, partnership: Partnership) -> Iterator[Outage]:
    # An unreachable database server is a PostgreSQL matter; SQLite is a local file.
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    direct = create_engine(url)
    clock = SimulatedClock(START)
    runner = None
    try:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        runner = start_bot(standin, proxied, partnership, clock)
        yield Outage(RunningBot(runner, standin, clock), proxy, direct)
    finally:
        proxy.restore()
        if runner is not None:
            runner.stop()
        proxy.stop()
        direct.dispose()


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def said_since(bot: RunningBot, mark: int) -> list[str]:
    """Everything shown to people since `mark` in the stand-in's log."""
    return [entry["text"] for entry in bot.standin.log[mark:] if entry["author"] == bot.standin.workspace.bot_name]


def looks_internal(texts: list[str]) -> list[str]:
    leaks = ("Traceback", "OperationalError", "psycopg", "sqlalchemy", "connection", "SELECT", "INSERT")
    return [t for t in texts if any(word.lower() in t.lower() for word in leaks)]


def test_while_the_database_is_away_people_are_told_to_try_again_and_all_works_again_after(outage: Outage):
    bot, proxy = outage.bot, outage.proxy
    refer(bot)  # 2026-001
    chair, police = bot.user("pprg.chair"), bot.user("police.lead")
    # A form opened before the outage and sent during it.
    police.command("/cspr", "refer", channel_id=GENERAL)
    form = bot.form(police, "referral")
    before = outage.rows()
    mark = len(bot.standin.log)

    proxy.cut()
    listing, took = timed(lambda: chair.command("/cspr", "list", channel_id=GENERAL))
    assert listing.status == 200, (listing.status, took)
    assert DATABASE_DOWN in json.dumps(listing.json)
    answer, took = timed(lambda: police.submit(form.id, REFERRAL))
    assert answer.status == 200, (answer.status, took)
    assert answer.json["response_action"] == "errors" and list(answer.json["errors"].values()) == [DATABASE_DOWN]
    assert police.last_view("referral").id == form.id  # still open, ready to send again
    assert outage.health() == (503, {"status": "database unavailable"})
    # A tick raises (there is nothing it can do); the scheduler's job catches it and goes on.
    clockwork = Clockwork(bot.services)
    with pytest.raises(OperationalError):
        clockwork.tick(bot.clock.now())
    assert _guarded("tick", clockwork.tick, bot.clock)() is None
    assert _guarded("digest", clockwork.digest, bot.clock)() is None
    bot.services.worker.wake()  # a delivery pass fails too, and the worker lives on (used below)
    assert bot.services.worker.wait_idle(10)
    assert looks_internal(said_since(bot, mark)) == []
    assert outage.rows() == before

    proxy.restore()
    # The same engine, the same process: the pool throws away the dead connections and reconnects.
    listing = chair.command("/cspr", "list", channel_id=GENERAL)
    assert "2026-001" in json.dumps(listing.json) and DATABASE_DOWN not in json.dumps(listing.json)
    assert outage.health() == (200, {"status": "ok"})
    answer = police.submit(form.id, REFERRAL)
    assert answer.status == 200 and answer.json is None
    bot.settle()
    cards = [m for m in bot.standin.messages(PPRG) if "Referral 2026-002" in bot.text(m)]
    assert len(cards) == 1
    assert len([m for m in bot.standin.dms("U01POLICE") if "2026-002" in bot.text(m)]) == 1
    after = outage.rows()
    assert after["cases"] == before["cases"] + 1 and after["last case number"] == 2
    assert after["audit_events"] == before["audit_events"] + 1  # the referral's, and nothing else
    assert looks_internal(said_since(bot, mark)) == []


def test_an_event_arriving_while_the_database_is_away_is_left_for_slack_to_deliver_again(outage: Outage):
    bot, proxy = outage.bot, outage.proxy
    channel = "C0GENERAL"
    bot.standin.add_user("U0STRANGER", "a.stranger")
    event = {"type": "app_home_opened", "user": "U01CHAIR", "channel": channel, "tab": "home", "event_ts": "1.0"}
    proxy.cut()
    answer, took = timed(lambda: bot.standin.send_event(event, event_id="Ev0OUTAGE"))
    # Not recorded as handled, so not acknowledged: a quick 503 (no stack trace), and Slack retries.
    assert answer.status == 503, (answer.status, answer.body[:200], took)
    proxy.restore()
    assert bot.standin.send_event(event, event_id="Ev0OUTAGE", retry_num=1).status == 200
    bot.standin.wait_for(lambda s: "U01CHAIR" in s.home_views, message="the Home tab")
    assert bot.standin.send_event(event, event_id="Ev0OUTAGE", retry_num=2).status == 200
    bot.settle()
    assert len([c for c in bot.standin.calls if c.method == "views.publish"]) == 1


def test_a_connection_lost_in_the_middle_of_a_referral_leaves_nothing_behind(outage: Outage):
    bot, proxy = outage.bot, outage.proxy
    refer(bot)  # 2026-001
    police = bot.user("police.lead")
    police.command("/cspr", "refer", channel_id=GENERAL)
    form = bot.form(police, "referral")
    before = outage.rows()
    # The case row is written inside the transaction; the link goes as its audit entry follows.
    proxy.cut_on(b"INSERT INTO audit_events", after=b"INSERT INTO cases")
    answer = police.submit(form.id, REFERRAL)
    assert proxy.fired.is_set()
    assert answer.status == 200 and list(answer.json["errors"].values()) == [DATABASE_DOWN]
    proxy.restore()
    assert outage.rows() == before  # no case, no agencies, no audit entry, no outbox row, no number used
    assert police.submit(form.id, REFERRAL).json is None
    bot.settle()
    assert [bot.text(m).splitlines()[0] for m in bot.standin.messages(PPRG)][-1].startswith("Referral 2026-002")
    after = outage.rows()
    assert after["cases"] == before["cases"] + 1 and after["last case number"] == 2


def test_a_referral_whose_commit_answer_is_lost_is_not_made_twice_when_sent_again(outage: Outage):
    bot, proxy = outage.bot, outage.proxy
    police = bot.user("police.lead")
    police.command("/cspr", "refer", channel_id=GENERAL)
    form = bot.form(police, "referral")
    # The server commits the referral, but its answer never reaches the bot.
    proxy.cut_on(b"COMMIT", after=b"INSERT INTO cases", forward=True)
    answer = police.submit(form.id, REFERRAL)
    assert proxy.fired.is_set()
    assert answer.status == 200 and answer.json["response_action"] == "errors"  # the form stays open
    proxy.restore()
    assert outage.rows()["cases"] == 1  # it was saved after all
    # The person sends the form again, as told: the same referral, not a second one.
    again = police.submit(form.id, REFERRAL)
    assert again.status == 200 and again.json is None
    bot.settle()
    Clockwork(bot.services).tick(bot.clock.now() + timedelta(minutes=1))  # the scheduler's next pass
    bot.settle()
    assert outage.rows()["cases"] == 1
    assert len([m for m in bot.standin.messages(PPRG) if "Referral 2026-001" in bot.text(m)]) == 1
    assert len([m for m in bot.standin.dms("U01POLICE") if "2026-001" in bot.text(m)]) == 1


def test_a_database_that_stops_answering_gets_a_clear_answer_within_slacks_three_seconds(outage: Outage):
    bot, proxy = outage.bot, outage.proxy
    refer(bot)
    chair = bot.user("pprg.chair")
    proxy.stall()  # connections stay up and nothing comes back: a hung server or a lost route
    answers: dict[str, tuple[Any, float]] = {}

    def measure(name: str, call: Callable[[], Any]) -> threading.Thread:
        def run() -> None:
            started = time.monotonic()
            try:
                answers[name] = (call(), time.monotonic() - started)
            except OSError as error:  # a client timeout
                answers[name] = (error, time.monotonic() - started)

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    asking = [
        measure("/cspr list", lambda: chair.command("/cspr", "list", channel_id=GENERAL)),
        measure("/healthz", outage.health),
    ]
    for thread in asking:
        thread.join(15)  # generous: five times what Slack waits
    still_waiting_on_the_database = not bot.services.activity.wait_idle(0.1)
    proxy.restore()
    for thread in asking:
        thread.join(30)
    # Once the database answers again, so does the bot, with nothing restarted.
    listing = chair.command("/cspr", "list", channel_id=GENERAL)
    assert listing.status == 200 and "2026-001" in json.dumps(listing.json)
    assert outage.health() == (200, {"status": "ok"})

    answer, took = answers["/cspr list"]
    health, health_took = answers["/healthz"]
    facts = (
        f"/cspr list: {getattr(answer, 'status', answer)!r} {getattr(answer, 'body', '')[:60]!r} after {took:.1f} s; "
        f"/healthz: {health!r} after {health_took:.1f} s; "
        f"the request's database call still blocked after 15 s: {still_waiting_on_the_database}"
    )
    # Bolt gives a listener 3 s to acknowledge, so a clear answer at all means it came in time; a
    # health check that waited for the database would have answered 200 after the restore.
    assert getattr(answer, "status", None) == 200 and DATABASE_DOWN in answer.body, facts
    assert health == (503, {"status": "database unavailable"}), facts
    assert not still_waiting_on_the_database, facts

"""The clockwork end to end: reminders, countdown edits and digests over a simulated month, with a
second process racing every tick, and the guarantees under restarts and Slack outages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.clock import SystemClock
from bot.clockwork.tick import Clockwork
from bot.delivery.slack_api import make_client
from bot.platforms.port import CallFailure
from bot.services import Services
from storage.db import Database
from storage.models import OutboxMessage
from tests.conftest import BOT_TOKEN, PARTNERSHIP_FILE, RunningBot
from tests.test_rapid_review_story import PPRG, REFERRAL, refer


def london(bot: RunningBot, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=bot.services.partnership.timezone)


def open_review(bot: RunningBot, notified: str = "2026-03-23", referred_at: str = "2026-03-23T09:00") -> str:
    """A case referred and started through Slack; returns its channel id."""
    bot.clock.set(london(bot, referred_at))
    day = referred_at[:10]
    previous = (datetime.fromisoformat(day) - timedelta(days=3)).date().isoformat()
    refer(bot, {**REFERRAL, "incident_on": previous, "aware_on": previous})
    chair = bot.user("pprg.chair")
    chair.click("triage_start", channel_id=PPRG)
    chair.submit(bot.form(chair, "start_review").id, {"notified_on": notified})
    bot.settle()
    return bot.standin.wait_for(lambda s: s.channel_by_name("rr-2026-001"), message="case channel").id


def second_process(bot: RunningBot) -> Clockwork:
    """Another instance of the bot on the same database: its own engine, client and clockwork."""
    settings = bot.runner.settings
    services = Services.assemble(
        bot.services.partnership, Database(settings.database_url), SystemClock(), make_client(settings)
    )
    return Clockwork(services)


def sign_off(bot: RunningBot, channel: str, lead: str, agency: str) -> None:
    person = bot.user(lead)
    person.click("signoff", channel_id=channel, value=f"2026-001|{agency}")
    person.submit(bot.form(person, "sign_off").id, {})
    bot.settle()


def kind_of(bot: RunningBot, entry: dict) -> str:
    text = entry["text"]
    if "Daily digest" in text:
        return "digest"
    if "Waiting for you today" in text:
        return "personal digest"
    if "overdue" in text and "Rapid review 2026-001 is" in text:
        return "overdue"
    if ":alarm_clock: *Rapid review 2026-001:" in text:
        return "reminder " + text.split(":alarm_clock: *Rapid review 2026-001: ")[1].split("*")[0]
    if ":alarm_clock: Rapid review *2026-001* is due" in text:
        return "reminder dm"
    return text.splitlines()[0][:40]


class Recorder:
    """The bot's posts and direct messages, each with the simulated instant it happened at."""

    def __init__(self, bot: RunningBot) -> None:
        self.bot = bot
        self.seen = len(bot.standin.log)
        self.events: list[tuple[str, str, str]] = []

    def take(self, now: datetime) -> None:
        log = self.bot.standin.log
        for entry in log[self.seen :]:
            if entry["kind"] in ("post", "dm"):
                local = now.astimezone(self.bot.services.partnership.timezone)
                self.events.append((f"{local:%a %d %b %H:%M}", entry["channel"], kind_of(self.bot, entry)))
        self.seen = len(log)


def expected_month() -> list[tuple[str, str, str]]:
    """Written out by hand from the calendar: notified Mon 23 Mar 2026, due Wed 15 Apr 2026, Good
    Friday and Easter Monday in between, British Summer Time from Sun 29 Mar."""
    police, csc, health, health2 = "DM @police.lead", "DM @csc.lead", "DM @health.lead", "DM @health.lead2"
    channel, pprg = "#rr-2026-001", "#pprg"
    working_days = [
        "Mon 23 Mar", "Tue 24 Mar", "Wed 25 Mar", "Thu 26 Mar", "Fri 27 Mar", "Mon 30 Mar", "Tue 31 Mar",
        "Wed 01 Apr", "Thu 02 Apr", "Tue 07 Apr", "Wed 08 Apr", "Thu 09 Apr", "Fri 10 Apr", "Mon 13 Apr",
        "Tue 14 Apr", "Wed 15 Apr", "Thu 16 Apr", "Fri 17 Apr", "Mon 20 Apr", "Tue 21 Apr",
    ]  # fmt: skip
    reminders = {"Mon 30 Mar": "10 working days left", "Wed 08 Apr": "5 working days left", "Fri 10 Apr": "3 working days left",
                 "Mon 13 Apr": "2 working days left", "Tue 14 Apr": "1 working day left", "Wed 15 Apr": "due today"}  # fmt: skip
    events = []
    for number, day in enumerate(working_days):
        digest_at = f"{day} 09:30" if number == 0 else f"{day} 08:30"  # the first tick is at 09:30
        if number <= 2:  # police signs off on Wed 25 Mar at 14:00
            leads = [police, csc, health, health2]
        elif day not in ("Tue 14 Apr", "Wed 15 Apr", "Thu 16 Apr", "Fri 17 Apr", "Mon 20 Apr", "Tue 21 Apr"):
            leads = [csc, health, health2]  # csc signs off on Mon 13 Apr at 10:00
        else:
            leads = [health, health2]
        events.append((digest_at, pprg, "digest"))
        events += [(digest_at, lead, "personal digest") for lead in leads]
        if day in reminders:
            events.append((f"{day} 09:00", channel, "reminder " + reminders[day]))
            if day in ("Fri 10 Apr", "Mon 13 Apr", "Tue 14 Apr", "Wed 15 Apr"):
                events += [(f"{day} 09:00", lead, "reminder dm") for lead in leads]
        if day in ("Thu 16 Apr", "Fri 17 Apr", "Mon 20 Apr", "Tue 21 Apr"):
            events += [(f"{day} 09:00", channel, "overdue"), (f"{day} 09:00", pprg, "overdue")]
    return events


def by_instant(events: list[tuple[str, str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for instant, where, kind in events:
        grouped.setdefault(instant, []).append((where, kind))
    return [(instant, sorted(items)) for instant, items in grouped.items()]


def test_a_simulated_month_sends_exactly_the_expected_notices_with_two_processes_ticking(bot: RunningBot):
    channel = open_review(bot)
    first, second = Clockwork(bot.services), second_process(bot)
    recorder = Recorder(bot)
    start = now = london(bot, "2026-03-23T09:30")
    end = london(bot, "2026-04-21T12:00")
    actions = {
        london(bot, "2026-03-25T14:00"): lambda: sign_off(bot, channel, "police.lead", "police"),
        london(bot, "2026-04-13T10:00"): lambda: sign_off(bot, channel, "csc.lead", "csc"),
    }
    ticks = 0
    while now <= end:
        bot.clock.set(now)
        if now in actions:
            actions[now]()
        racing = [threading.Thread(target=clockwork.tick, args=(now,)) for clockwork in (first, second)]
        for thread in racing:
            thread.start()
        for thread in racing:
            thread.join()
        bot.settle()
        recorder.take(now)
        ticks += 1
        now += timedelta(minutes=15)
    assert ticks == (end - start) // timedelta(minutes=15) + 1 > 2700
    # Two processes deliver at once, so within one instant the order may differ; across instants
    # (the events are recorded instant by instant) and in content it is exact.
    assert by_instant(recorder.events) == by_instant(expected_month())
    # The pinned card was edited in place every working morning after the first, and at each sign-off.
    card = bot.standin.messages(channel)[0]
    assert len(card.edits) == 19 + 2
    assert "4 working days overdue" in bot.text(card)


def test_a_tick_run_twice_at_one_instant_sends_nothing_the_second_time(bot: RunningBot, tmp_path: Path):
    open_review(bot)
    instant = "2026-03-30T09:05:00+01:00"
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": bot.standin.api_url,
        "DATABASE_URL": bot.runner.settings.database_url,
        "CSPR_CONFIG": str(PARTNERSHIP_FILE),
    }
    command = [str(Path(sys.executable).with_name("cspr-bot")), "tick", "--now", instant]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "tick claimed 3 and delivered" in first.stdout  # countdown, 10-day reminder, digest
    calls = len(bot.standin.calls)
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 0 and "tick claimed 0 and delivered 0" in second.stdout
    assert len(bot.standin.calls) == calls


def test_after_downtime_only_what_is_still_relevant_is_sent_once(bot: RunningBot):
    channel = open_review(bot)
    clockwork = Clockwork(bot.services)
    clockwork.tick(london(bot, "2026-03-23T10:00"))
    before = len(bot.standin.messages(channel))
    # Down from Monday morning until Thursday 9 April at 14:00: the 10- and 5-day reminders were
    # missed. One reminder with today's count (4 left, the 5-day point) and today's digest go out.
    now = london(bot, "2026-04-09T14:00")
    bot.clock.set(now)
    report = clockwork.tick(now)
    posted = bot.standin.messages(channel)[before:]
    assert [bot.text(m).splitlines()[0] for m in posted] == [
        ":alarm_clock: *Rapid review 2026-001: 4 working days left* (due Wed 15 Apr 2026). Waiting for:"
    ]
    digests = [m for m in bot.standin.messages(PPRG) if "Daily digest" in bot.text(m)]
    assert [bot.text(m).splitlines()[0] for m in digests] == [
        "Daily digest · Mon 23 Mar 2026",
        "Daily digest · Thu 9 Apr 2026",
    ]
    assert report.claimed == 3
    assert clockwork.tick(now + timedelta(minutes=1)).claimed == 0


def test_reminders_stop_when_the_case_moves_on(bot: RunningBot):
    channel = open_review(bot)
    for lead, agency in (("police.lead", "police"), ("csc.lead", "csc"), ("health.lead", "health")):
        sign_off(bot, channel, lead, agency)
    chair = bot.user("pprg.chair")
    chair.click("decide_no_further_review", channel_id=channel)
    chair.submit(bot.form(chair, "decide").id, {"rationale": "Learning is single-agency."})
    bot.settle()
    for delegate in ("la.delegate", "icb.delegate", "police.delegate"):
        bot.standin.wait_for(lambda s, d=delegate: s.dms(bot.user(d).id))
        bot.user(delegate).click("endorse")
        bot.settle()
    manager = bot.user("business.manager")
    manager.click("mark_sent", channel_id=channel)
    manager.submit(bot.form(manager, "mark_sent").id, {"sent_on": "2026-03-23"})
    bot.settle()
    messages = len(bot.standin.messages(channel))
    clockwork = Clockwork(bot.services)
    now = london(bot, "2026-03-30T09:00")
    while now < london(bot, "2026-04-20T10:00"):
        clockwork.tick(now)
        now += timedelta(hours=1)
    assert len(bot.standin.messages(channel)) == messages  # no reminder, no overdue notice


def test_a_reminder_queued_before_the_case_moved_on_is_not_sent(bot: RunningBot):
    channel = open_review(bot)
    bot.standin.fail("chat.postMessage", status=503, times=1)
    clockwork = Clockwork(bot.services)
    clockwork.tick(london(bot, "2026-03-30T09:00"))  # the 10-day reminder fails once
    for lead, agency in (("police.lead", "police"), ("csc.lead", "csc"), ("health.lead", "health")):
        sign_off(bot, channel, lead, agency)
    clockwork.tick(london(bot, "2026-03-30T09:30"))
    assert not [m for m in bot.standin.messages(channel) if ":alarm_clock:" in bot.text(m)]
    with bot.services.database.transaction() as session:
        statuses = set(session.scalars(select(OutboxMessage.status).where(OutboxMessage.key.like("%|reminder|10|%"))))
    assert statuses == {"expired"}


def test_an_archived_case_channel_is_reported_to_the_chair_once(bot: RunningBot):
    channel = open_review(bot)
    bot.standin.archive(channel)
    clockwork = Clockwork(bot.services)
    for day in ("2026-03-30", "2026-03-31", "2026-04-08"):
        clockwork.tick(london(bot, f"{day}T09:05"))
    reports = [m for m in bot.standin.dms("U01CHAIR") if "has been archived" in bot.text(m)]
    assert len(reports) == 1
    assert bot.standin.messages(channel)[-1].ts == bot.standin.messages(channel)[0].ts  # nothing new there
    refused = [
        c
        for c in bot.standin.calls
        if c.method == "chat.postMessage" and c.params.get("channel") == channel and not c.ok
    ]
    assert [c.error for c in refused] == ["is_archived"]  # the first attempt found out; no post tried after it


def test_digest_with_nothing_open_one_case_and_three_hundred(bot: RunningBot):
    from sqlalchemy import update

    from storage.models import Case
    from tests.blockkit import assert_valid_message

    clockwork = Clockwork(bot.services)
    clockwork.tick(london(bot, "2026-03-23T08:30"))
    refer(bot)
    clockwork.tick(london(bot, "2026-03-24T08:30"))
    police = bot.user("police.lead")
    for _ in range(299):
        police.command("/cspr", "refer", channel_id="C0GENERAL")
        police.submit(bot.form(police, "referral").id, REFERRAL)
    bot.settle()
    with bot.services.database.transaction() as session:
        session.execute(update(Case).values(referred_at=london(bot, "2026-03-24T08:00")))
    clockwork.tick(london(bot, "2026-03-25T08:30"))
    digests = [m for m in bot.standin.messages(PPRG) if "Daily digest" in bot.text(m)]
    assert len(digests) == 3
    for message in digests:
        assert_valid_message({"text": message.text, "blocks": message.blocks})
    assert "No open referrals or reviews." in bot.text(digests[0])
    assert "*1 open*" in bot.text(digests[1])
    assert "*300 open*" in bot.text(digests[2]) and "2026-300" in bot.text(digests[2])


def test_rate_limits_server_errors_and_lost_answers_delay_but_never_drop_or_double(bot: RunningBot):
    channel = open_review(bot)
    clockwork = Clockwork(bot.services)
    standin = bot.standin
    # 429 twice (the client's own retry honours Retry-After once), then a 500, then an answer
    # lost after Slack posted it, then one lost before: each notice still arrives exactly once.
    standin.fail("chat.postMessage", status=429, retry_after=1, times=2)
    standin.fail("chat.postMessage", status=500)
    standin.drop("chat.postMessage", after_processing=True)
    standin.drop("chat.postMessage", after_processing=False)
    now = london(bot, "2026-03-30T09:00")
    for _ in range(12):
        clockwork.tick(now)
        now += timedelta(minutes=5)
    reminders = [m for m in standin.messages(channel) if ":alarm_clock:" in bot.text(m)]
    digests = [m for m in standin.messages(PPRG) if "Daily digest" in bot.text(m)]
    assert len(reminders) == 1 and len(digests) == 1
    for lead in ("U01POLICE", "U01CSC", "U01HEALTH", "U01HEALTH2"):
        assert len([m for m in standin.dms(lead) if "Waiting for you today" in bot.text(m)]) == 1
    with bot.services.database.transaction() as session:
        pending = session.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent")).all()
    assert pending == []
    # The lost answer was found in the channel's history rather than posted again.
    assert any(c.method == "conversations.history" for c in standin.calls)


def test_backoff_is_measured_on_the_ticks_clock_and_capped_at_fifteen_minutes(bot: RunningBot):
    from bot.delivery.outbox import backoff

    failed, unavailable = CallFailure("http_500", False, True), CallFailure("http_503", False, True, retry_after=120)
    assert [backoff(n, failed).total_seconds() for n in range(1, 8)] == [30, 60, 120, 240, 480, 900, 900]
    assert backoff(1, unavailable).total_seconds() == 120
    # Throttled: again when Slack says, however often it happened before.
    assert backoff(6, CallFailure("ratelimited", False, False, retry_after=2)).total_seconds() == 2
    open_review(bot)
    clockwork = Clockwork(bot.services)
    clockwork.tick(london(bot, "2026-03-30T08:45"))  # the digest goes out first
    bot.standin.fail("chat.postMessage", status=500, times=2)
    start = london(bot, "2026-03-30T09:00")
    clockwork.tick(start)  # the reminder fails: next try 30 s later on this clock
    assert clockwork.tick(start + timedelta(seconds=29)).delivered == 0
    assert clockwork.tick(start + timedelta(seconds=30)).delivered == 0  # fails again: 60 s more
    assert clockwork.tick(start + timedelta(seconds=89)).delivered == 0
    assert clockwork.tick(start + timedelta(seconds=90)).delivered == 1
    posts = [
        c for c in bot.standin.calls if c.method == "chat.postMessage" and "reminder" in str(c.params.get("metadata"))
    ]
    assert [c.http_status for c in posts] == [500, 500, 200]


def test_a_crash_between_sending_and_recording_is_recovered_without_a_duplicate(bot: RunningBot, tmp_path: Path):
    channel = open_review(bot)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": bot.standin.api_url,
        "DATABASE_URL": bot.runner.settings.database_url,
        "CSPR_CONFIG": str(PARTNERSHIP_FILE),
    }
    # The tick process posts the reminder, and is killed while waiting for Slack's answer.
    bot.standin.hang("chat.postMessage")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("cspr-bot")), "tick", "--now", "2026-03-30T09:00:00+01:00"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    bot.standin.wait_for(lambda s: [m for m in s.messages(channel) if ":alarm_clock:" in bot.text(m)], timeout=30)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    bot.standin.release()
    # A later tick, once the crashed process's lease has run out, finds the post and records it.
    clockwork = Clockwork(bot.services)
    clockwork.tick(london(bot, "2026-03-30T09:01"))
    assert len([m for m in bot.standin.messages(channel) if ":alarm_clock:" in bot.text(m)]) == 1
    clockwork.tick(london(bot, "2026-03-30T09:05"))
    reminders = [m for m in bot.standin.messages(channel) if ":alarm_clock:" in bot.text(m)]
    assert len(reminders) == 1
    with bot.services.database.transaction() as session:
        reminder = session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("%|reminder|10|channel"))).one()
    assert reminder.status == "sent" and reminder.result["found"] is True and reminder.result["ts"] == reminders[0].ts


def test_a_digest_longer_than_one_message_lists_every_case_once_overdue_first(bot: RunningBot):
    from benchmarks.digest import populate
    from tests.blockkit import assert_valid_message

    populate(bot.services.database, 850)  # every third one overdue
    clockwork = Clockwork(bot.services)
    clockwork.digest(london(bot, "2026-03-30T08:30"))
    clockwork.digest(london(bot, "2026-03-30T08:45"))  # a second pass queues nothing more
    parts = [m for m in bot.standin.messages(PPRG) if "Daily digest" in bot.text(m)]
    assert [bot.text(m).splitlines()[0] for m in parts] == [
        f"Daily digest · Mon 30 Mar 2026 ({n} of 3)" for n in (1, 2, 3)
    ]
    listed = []
    for message in parts:
        assert_valid_message({"text": message.text, "blocks": message.blocks})
        assert "*850 open* · 283 overdue · 0 awaiting triage" in bot.text(message)
        listed += [line.split("*")[1] for line in bot.text(message).splitlines() if line.startswith(("*2026-", ":rot"))]
    assert sorted(listed) == [f"2026-{n:04d}" for n in range(1, 851)]
    assert {int(ref[5:]) % 3 for ref in listed[:283]} == {0} and "cases 801 to 850" in bot.text(parts[2])


def test_a_throttled_notice_goes_when_slack_says_without_waiting_for_a_tick(bot: RunningBot):
    standin = bot.standin
    standin.fail("chat.postMessage", status=429, retry_after=1, times=2)
    refer(bot)  # the referrer's DM and the PPRG's referral card are throttled, and put off for a second
    assert not [m for m in standin.messages(PPRG) if "2026-001" in bot.text(m)]
    bot.clock.set(bot.clock.now() + timedelta(seconds=2))  # Slack's second passes; no tick runs
    standin.wait_for(lambda s: [m for m in s.messages(PPRG) if "2026-001" in bot.text(m)], timeout=5)
    throttled = [c for c in standin.calls if c.method == "chat.postMessage" and c.http_status == 429]
    assert len(throttled) == 2 and len([m for m in standin.messages(PPRG) if "2026-001" in bot.text(m)]) == 1

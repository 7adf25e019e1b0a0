"""Two instances of the bot behind one address on one PostgreSQL database: requests land on either,
both schedulers tick at the same instants, and every effect and every notice still happens once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import SimulatedClock
from bot.clockwork.tick import Clockwork
from bot.partnership import Partnership
from bot.runner import Runner
from bot.standin import SlackStandIn
from storage.models import AuditEvent, Case, Decision, Endorsement, SignOff
from tests.conftest import START, RunningBot, start_instance
from tests.proxies import RoundRobinHTTP
from tests.test_clockwork import by_instant, kind_of, london, open_review

TIME_DRIVEN = ("digest", "personal digest", "reminder dm", "overdue")


@dataclass
class TwoInstances(RunningBot):
    """The pair as people see it: one address. `runner`/`services` are the first instance's."""

    second: Runner | None = None
    proxy: RoundRobinHTTP | None = None
    runners: list[Runner] = field(default_factory=list)

    def settle(self) -> None:
        for runner in self.runners:
            assert runner.services.wait_idle(10), "an instance did not settle"


@pytest.fixture
def instances(standin: SlackStandIn, postgres_url: str, partnership: Partnership) -> Iterator[TwoInstances]:
    clock = SimulatedClock(START)
    # Both start at once, as two replicas do: the schema is migrated once and both come up.
    with ThreadPoolExecutor(2) as pool:
        starting = [pool.submit(start_instance, standin, postgres_url, partnership, clock) for _ in range(2)]
    started = [future.result() for future in starting if future.exception() is None]
    try:
        for future in starting:
            future.result()
        proxy = RoundRobinHTTP([f"http://127.0.0.1:{port}" for _, port in started]).start()
        try:
            standin.app_url = f"{proxy.url}/slack/events"
            runners = [runner for runner, _ in started]
            yield TwoInstances(runners[0], standin, clock, second=runners[1], proxy=proxy, runners=runners)
        finally:
            proxy.stop()
    finally:
        for runner, _ in started:
            runner.stop()


def count(bot: RunningBot, model, *where) -> int:
    with bot.services.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def audited(bot: RunningBot, action: str) -> int:
    return count(bot, AuditEvent, AuditEvent.action == action)


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; their results, or their exceptions raised."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
    return [future.result() for future in futures]


def raced(bot: TwoInstances, *sends: Callable[[], object]) -> list[object]:
    """Send the requests so that they reach the two instances at the same moment."""
    proxy = bot.proxy
    assert proxy is not None
    before = len(proxy.log)
    proxy.together(len(sends))
    results = at_once(*sends)
    landed = {backend for backend, _, _ in proxy.log[before:]}
    assert len(proxy.log) - before == len(sends) and landed == set(proxy.backends), proxy.log[before:]
    return results


class Story:
    """The people's actions, each at its simulated instant."""

    def __init__(self, bot: TwoInstances, channel: str) -> None:
        self.bot, self.channel = bot, channel

    def sign_off(self, lead: str, agency: str) -> None:
        bot = self.bot
        person = bot.user(lead)
        person.click("signoff", channel_id=self.channel, value=f"2026-001|{agency}")
        assert person.submit(bot.form(person, "sign_off").id, {"comment": f"{agency} done"}).json is None
        bot.settle()

    def double_clicked_sign_off(self, lead: str, agency: str) -> None:
        """Two clicks on the button reach both instances at once; then the form is sent."""
        bot = self.bot
        person = bot.user(lead)
        click = lambda: person.click("signoff", channel_id=self.channel, value=f"2026-001|{agency}")  # noqa: E731
        assert all(answer.status == 200 for answer in raced(bot, click, click))
        bot.settle()
        # Each click opened its own form, as in Slack; the person sends one of them.
        assert person.submit(bot.form(person, "sign_off").id, {"comment": f"{agency} done"}).json is None
        bot.settle()
        assert count(bot, SignOff, SignOff.agency_key == agency) == 1

    def sign_off_submitted_twice_at_once(self, lead: str, agency: str) -> None:
        """The same form submitted twice, both reaching different instances at once, then the same
        request redelivered to both at once: one sign-off."""
        bot = self.bot
        person = bot.user(lead)
        person.click("signoff", channel_id=self.channel, value=f"2026-001|{agency}")
        form = bot.form(person, "sign_off")
        # Both are sent before either is answered: the proxy holds each until the other has come.
        submit = lambda: person.submit(form.id, {"comment": f"{agency} done"})  # noqa: E731
        assert all(answer.status == 200 for answer in raced(bot, submit, submit))
        replays = raced(bot, person.resend_last, person.resend_last)
        assert all(answer.status == 200 for answer in replays)
        bot.settle()
        assert count(bot, SignOff, SignOff.agency_key == agency) == 1

    def decide(self) -> None:
        bot = self.bot
        chair = bot.user("pprg.chair")
        bot.standin.wait_for(
            lambda s: any("Decision on next steps" in bot.text(m) for m in s.messages(self.channel)),
            message="the decision card",
        )
        chair.click("decide_local_cspr", channel_id=self.channel)
        assert chair.submit(bot.form(chair, "decide").id, {"rationale": "Multi-agency learning."}).json is None
        bot.settle()

    def endorse(self, delegate: str) -> None:
        bot = self.bot
        person = bot.user(delegate)
        bot.standin.wait_for(lambda s: s.dms(person.id), message=f"the endorse card for {delegate}")
        assert person.click("endorse").status == 200
        bot.settle()

    def endorse_double_clicked(self, delegate: str) -> None:
        """Two clicks on Endorse reach both instances at once, then are redelivered to both."""
        bot = self.bot
        person = bot.user(delegate)
        bot.standin.wait_for(lambda s: s.dms(person.id), message=f"the endorse card for {delegate}")
        click = lambda: person.click("endorse")  # noqa: E731
        assert all(answer.status == 200 for answer in raced(bot, click, click))
        assert all(answer.status == 200 for answer in raced(bot, person.resend_last, person.resend_last))
        bot.settle()
        assert count(bot, Endorsement, Endorsement.user_id == person.id) == 1

    def mark_sent(self, on: str) -> None:
        bot = self.bot
        manager = bot.user("business.manager")
        manager.click("mark_sent", channel_id=self.channel)
        assert manager.submit(bot.form(manager, "mark_sent").id, {"sent_on": on}).json is None
        bot.settle()


@dataclass
class Seen:
    instant: str  # simulated, London time
    day: date
    where: str
    kind: str
    text: str


class Recorder:
    """Every post and direct message the bot made, with the simulated instant it happened at."""

    def __init__(self, bot: RunningBot) -> None:
        self.bot = bot
        self.next = 0
        self.seen: list[Seen] = []

    def take(self, now: datetime) -> None:
        log = self.bot.standin.log
        local = now.astimezone(self.bot.services.partnership.timezone)
        for entry in log[self.next :]:
            if entry["kind"] in ("post", "dm"):
                kind = kind_of(self.bot, entry)
                self.seen.append(Seen(f"{local:%a %d %b %H:%M}", local.date(), entry["channel"], kind, entry["text"]))
        self.next = len(log)


def expected_time_driven() -> list[tuple[str, str, str]]:
    """Written out by hand from the calendar and the story below: notified Mon 23 Mar 2026, due Wed
    15 Apr (Good Friday and Easter Monday in between), ticks every 30 minutes from 09:30."""
    police, csc, health, health2 = "DM @police.lead", "DM @csc.lead", "DM @health.lead", "DM @health.lead2"
    la, icb, pol = "DM @la.delegate", "DM @icb.delegate", "DM @police.delegate"
    channel, pprg = "#rr-2026-001", "#pprg"
    signing = {  # whose sign-off or endorsement is outstanding at each day's 08:30 digest
        "Mon 23 Mar": [police, csc, health, health2], "Tue 24 Mar": [police, csc, health, health2],
        "Wed 25 Mar": [police, csc, health, health2], "Thu 26 Mar": [csc, health, health2],
        "Fri 27 Mar": [csc, health, health2], "Mon 30 Mar": [csc, health, health2],
        "Tue 31 Mar": [health, health2], "Wed 01 Apr": [health, health2], "Thu 02 Apr": [health, health2],
        "Tue 07 Apr": [health, health2], "Wed 08 Apr": [health, health2], "Thu 09 Apr": [health, health2],
        "Fri 10 Apr": [health, health2], "Mon 13 Apr": [la, icb, pol], "Tue 14 Apr": [], "Wed 15 Apr": [],
        "Thu 16 Apr": [], "Fri 17 Apr": [], "Mon 20 Apr": [],
    }  # fmt: skip
    reminders = {"Mon 30 Mar": "10 working days left", "Wed 08 Apr": "5 working days left", "Fri 10 Apr": "3 working days left",
                 "Mon 13 Apr": "2 working days left", "Tue 14 Apr": "1 working day left", "Wed 15 Apr": "due today"}  # fmt: skip
    events = []
    for number, (day, leads) in enumerate(signing.items()):
        digest_at = f"{day} 09:30" if number == 0 else f"{day} 08:30"
        events.append((digest_at, pprg, "digest"))
        events += [(digest_at, lead, "personal digest") for lead in leads]
        if day in reminders:
            events.append((f"{day} 09:00", channel, "reminder " + reminders[day]))
            if day in ("Fri 10 Apr", "Mon 13 Apr"):
                events += [(f"{day} 09:00", lead, "reminder dm") for lead in leads]
        if day in ("Thu 16 Apr", "Fri 17 Apr"):
            events += [(f"{day} 09:00", channel, "overdue"), (f"{day} 09:00", pprg, "overdue")]
    return events


def working_days_between(first: date, last: date) -> int:
    """Weekdays from `first` to `last`, less the bank holidays that fall in this story (Easter 2026)."""
    holidays = {date(2026, 4, 3), date(2026, 4, 6)}
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return sum(1 for day in days if day.weekday() < 5 and day not in holidays)


def test_a_whole_rapid_review_across_two_instances_with_both_schedulers_ticking(instances: TwoInstances):
    bot = instances
    proxy = bot.proxy
    assert proxy is not None
    channel = open_review(bot)  # refer and start; the requests already alternate between instances
    story = Story(bot, channel)
    actions = {
        london(bot, "2026-03-25T14:00"): lambda: story.sign_off("police.lead", "police"),
        london(bot, "2026-03-30T11:00"): lambda: story.double_clicked_sign_off("csc.lead", "csc"),
        london(bot, "2026-04-10T10:00"): lambda: story.sign_off_submitted_twice_at_once("health.lead2", "health"),
        london(bot, "2026-04-10T11:00"): story.decide,
        london(bot, "2026-04-13T10:00"): lambda: story.endorse_double_clicked("la.delegate"),
        london(bot, "2026-04-13T10:30"): lambda: story.endorse("icb.delegate"),
        london(bot, "2026-04-13T11:00"): lambda: story.endorse("police.delegate"),
        london(bot, "2026-04-17T10:00"): lambda: story.mark_sent("2026-04-17"),
    }
    clockworks = [Clockwork(runner.services) for runner in bot.runners]
    claimed = [0, 0]
    recorder = Recorder(bot)
    recorder.take(bot.clock.now())
    now = london(bot, "2026-03-23T09:30").astimezone(UTC)
    end = london(bot, "2026-04-20T12:00").astimezone(UTC)
    instants = 0
    while now <= end:
        bot.clock.set(now)
        if now in actions:
            actions.pop(now)()
            recorder.take(now)
        reports = at_once(*(lambda c=clockwork, t=now: c.tick(t) for clockwork in clockworks))
        for number, report in enumerate(reports):
            claimed[number] += report.claimed
        bot.settle()
        recorder.take(now)
        instants += 1
        now += timedelta(minutes=30)
    assert not actions, "an action's instant was not on the ticks' grid"
    # Four weeks of half hours from Monday 09:30 to Monday 12:00, less the hour the clocks went forward.
    assert instants == 28 * 48 + 4

    # The race really happened: people's requests reached both instances, and both claimed work.
    assert all(proxy.counts[backend] >= 10 for backend in proxy.backends), proxy.counts
    assert all(number > 0 for number in claimed), claimed

    # One of everything that people did.
    assert count(bot, Case) == 1
    case_channels = [c for c in bot.standin.channels.values() if c.name.startswith("rr-")]
    assert [(c.name, c.is_private) for c in case_channels] == [("rr-2026-001", True)]
    with bot.services.database.transaction() as session:
        assert sorted(session.scalars(select(SignOff.agency_key))) == ["csc", "health", "police"]
        assert sorted(session.scalars(select(Endorsement.partner))) == ["icb", "local_authority", "police"]
        assert session.scalar(select(func.count()).select_from(Decision)) == 1
        assert session.scalars(select(Case.stage)).one() == "local_review"
    for action, times in (("referred", 1), ("review_started", 1), ("channel_created", 1), ("signed_off", 3),
                          ("recommended", 1), ("endorsed", 3), ("decision_final", 1), ("sent_to_panel", 1)):  # fmt: skip
        assert audited(bot, action) == times, action

    # Every time-driven notice exactly when due, once; within an instant the order may differ.
    time_driven = [
        (s.instant, s.where, s.kind) for s in recorder.seen if s.kind in TIME_DRIVEN or s.kind.startswith("reminder ")
    ]
    assert by_instant(time_driven) == by_instant(expected_time_driven())
    # Nothing at all said twice in one conversation on one day.
    repeated = [key for key, times in Counter((s.day, s.where, s.text) for s in recorder.seen).items() if times > 1]
    assert repeated == []
    failures = [e for e in bot.standin.log if "Something went wrong" in e["text"] or "not answering" in e["text"]]
    assert failures == []
    finals = [s for s in recorder.seen if "Decision for rapid review 2026-001: Local CSPR" in s.text]
    assert sorted(s.where for s in finals) == ["#pprg", "#rr-2026-001"]
    assert len([s for s in recorder.seen if "sent to the Panel on" in s.text and s.where == "#pprg"]) == 1

    # The pinned card: edited in place each working morning from the day after it was posted until
    # the review went to the Panel, and once for each change of state (three sign-offs, the
    # recommendation, the final endorsement, sent to the Panel).
    pinned = [m for m in bot.standin.messages(channel) if m.ts in bot.standin.channels[channel].pins]
    assert len(pinned) == 1
    mornings = working_days_between(date(2026, 3, 24), date(2026, 4, 17))
    assert mornings == 17
    assert len(pinned[0].edits) == mornings + 6
    updates = [c for c in bot.standin.calls if c.method == "chat.update" and c.params.get("ts") == pinned[0].ts]
    assert len(updates) == mornings + 6 and all(c.ok for c in updates)

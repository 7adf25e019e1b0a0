"""`cspr-bot demo`: a case from referral to published learning, played on a simulated clock, with
no Slack workspace.

It starts an in-process Slack stand-in and the real bot (HTTP endpoint, delivery, clockwork) on a
fresh SQLite database in a temporary folder, loads the sample learning library, then acts out the
people: a referral the week before Christmas, triage, the private channel, sign-offs across
Christmas, New Year and a local closure day, the chair's decision, the partners' endorsement and
the send to the Panel; then the Panel's answer, the local review's milestones over six months, a
publication refused as too early, the publication, a search of the learning library and the case
closed. The clockwork ticks every simulated 15 minutes while people are busy, and at the digest
and reminder times of each day during the months of the local review.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.clock import SimulatedClock
from bot.clockwork.tick import Clockwork
from bot.learning import files
from bot.outcomes import Done
from bot.partnership import Partnership, load
from bot.reporting.period import Period
from bot.runner import Runner
from bot.services import Services
from bot.settings import Settings
from bot.standin import SlackStandIn, SlackUser
from bot.usecases import library, reports

PARTNERSHIP_FILE = Path(__file__).with_name("partnership.yaml")
LIBRARY_FILE = Path(__file__).with_name("published-reviews.csv")
LONDON = ZoneInfo("Europe/London")
TICK = timedelta(minutes=15)
# During the months of a local review: a tick at the digest time and at the reminder time each day.
QUIET_TICKS = (time(8, 30), time(9, 0))
# The reporting year the case began in (April to March), written next to the transcript.
REPORT_YEAR = Period(date(2026, 4, 1), date(2027, 3, 31))
# What happens every working day on its own: folded in the transcript unless --full.
ROUTINE = ("Daily digest",)
PEOPLE = {
    "U0DCHAIR": "pprg.chair.sam",
    "U0DBIZMGR": "business.manager.jo",
    "U0DLADSP": "la.delegate.amira",
    "U0DICBDSP": "icb.delegate.tom",
    "U0DPOLDSP": "police.delegate.rhys",
    "U0DPOLICE": "police.lead.priya",
    "U0DCSC": "csc.lead.dan",
    "U0DHEALTH": "health.lead.grace",
    "U0DEDU": "education.lead.lee",
}
GENERAL = "C0DEMOGEN"
PPRG = "C0DEMOPPRG"
LEARNING = "C0DEMOLEARN"


def at(text: str) -> datetime:
    """A moment in London time, as the people in the story live it."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


class Story(ABC):
    """What both tours share: a simulated clock that ticks the clockwork as time passes, and a
    stand-in whose transcript entries are each given the simulated moment they happened at."""

    clock: SimulatedClock
    clockwork: Clockwork | None
    moments: list[datetime]
    runner: Any  # the Slack or the Teams runner, once started

    @abstractmethod
    def log(self) -> list[dict[str, Any]]:
        """The stand-in's transcript so far."""

    @property
    def services(self) -> Services:
        """The running bot's parts."""
        services = self.runner.services if self.runner is not None else None
        assert services is not None, "start the tour first"
        return services

    def act(self, step: Callable[[], Any]) -> None:
        """A person does something; the bot finishes everything it causes before the story goes on."""
        step()
        self.services.wait_idle(10)
        self._stamp()

    # -- time ----------------------------------------------------------------------------------

    def _stamp(self) -> None:
        """Give every transcript entry made since the last stamp the current simulated time."""
        self.moments += [self.clock.now()] * (len(self.log()) - len(self.moments))

    def until(self, moment: datetime) -> None:
        """Let simulated time pass, ticking the clockwork every 15 minutes on the way."""
        assert self.clockwork is not None
        now = self.clock.now()
        while now + TICK <= moment:
            now = now + TICK
            self.clock.set(now)
            self.clockwork.tick(now)
            self._stamp()
        self.clock.set(moment)

    def quietly_until(self, moment: datetime) -> None:
        """Let months pass, ticking only at each day's digest and reminder times."""
        assert self.clockwork is not None
        day = self.clock.now().astimezone(LONDON).date()
        while day <= moment.date():
            for at_time in QUIET_TICKS:
                instant = datetime.combine(day, at_time, tzinfo=LONDON)
                if self.clock.now() < instant <= moment:
                    self.clock.set(instant)
                    self.clockwork.tick(instant)
                    self._stamp()
            day += timedelta(days=1)
        self.clock.set(moment)

    def entries(self) -> list[dict[str, Any]]:
        """The transcript: each entry with its simulated London time."""
        self._stamp()
        entries = []
        for entry, moment in zip(self.log(), self.moments, strict=True):
            local = moment.astimezone(LONDON)
            entries.append(
                {
                    "time": local.isoformat(timespec="minutes"),
                    **{k: entry[k] for k in ("kind", "channel", "author", "text")},
                }
            )
        return entries


class Tour(Story):
    def __init__(self, folder: Path) -> None:
        self.partnership: Partnership = load(PARTNERSHIP_FILE)
        self.clock = SimulatedClock(at("2026-12-14T08:00"))
        self.slack = SlackStandIn(bot_token="xoxb-demo", signing_secret=secrets.token_hex(16), trigger_ttl=30)
        for user_id, name in PEOPLE.items():
            self.slack.add_user(user_id, name)
        self.slack.add_channel(PPRG, "pprg", is_private=True, members=["U0DCHAIR", "U0DBIZMGR", "U0BOT"])
        self.slack.add_channel(GENERAL, "partnership-general", members=[*PEOPLE, "U0BOT"])
        self.slack.add_channel(LEARNING, "learning-from-reviews", members=[*PEOPLE, "U0BOT"])
        self.folder = folder
        self.runner: Runner | None = None
        self.clockwork: Clockwork | None = None
        self.moments: list[datetime] = []  # the simulated time of each transcript entry
        self.library_size = 0

    def __enter__(self) -> Tour:
        self.slack.start()
        settings = Settings.from_env(
            {
                "SLACK_BOT_TOKEN": self.slack.bot_token,
                "SLACK_SIGNING_SECRET": self.slack.signing_secret,
                "SLACK_API_URL": self.slack.api_url,
                "DATABASE_URL": f"sqlite:///{self.folder / 'demo.db'}",
                "CSPR_CONFIG": str(PARTNERSHIP_FILE),
            }
        )
        self.runner = Runner(settings, self.partnership, clock=self.clock, host="127.0.0.1", port=0).prepare()
        port = self.runner.start_http()
        self.slack.app_url = f"http://127.0.0.1:{port}/slack/events"
        services = self.runner.services
        assert services is not None
        self.clockwork = Clockwork(services)
        reviews = files.read(LIBRARY_FILE.read_text(encoding="utf-8"), "csv", self.clock.now().date())
        services.desk.run(self.clock.now(), library.load, "cli:demo", reviews=reviews, source=LIBRARY_FILE.name)
        self.library_size = len(reviews)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.runner is not None:
            self.runner.stop()
        self.slack.stop()

    # -- people --------------------------------------------------------------------------------

    def person(self, name: str) -> SlackUser:
        return self.slack.user(next(uid for uid, n in PEOPLE.items() if n == name))

    def form(self, person: SlackUser, callback_id: str) -> str:
        self.slack.wait_for(
            lambda s: any(
                v.user == person.id and v.is_open and v.view.get("callback_id") == callback_id for v in s.views.values()
            ),
            message=f"the {callback_id} form",
        )
        return person.last_view(callback_id).id

    def click_and_submit(self, person: SlackUser, action_id: str, callback_id: str, values: dict, **where: Any) -> None:
        self.act(lambda: person.click(action_id, **where))
        self.act(lambda: person.submit(self.form(person, callback_id), values))

    def case_channel(self) -> str:
        return self.slack.wait_for(lambda s: s.channel_by_name("rr-2026-001"), message="the case channel").id

    # -- the story -----------------------------------------------------------------------------

    def play(self) -> None:
        priya, sam, jo = (
            self.person("police.lead.priya"),
            self.person("pprg.chair.sam"),
            self.person("business.manager.jo"),
        )
        self.until(at("2026-12-14T10:15"))
        self.act(lambda: priya.command("/cspr", "refer", channel_id=GENERAL))
        self.act(
            lambda: priya.submit(
                self.form(priya, "referral"),
                {
                    "referring_agency": "police",
                    "child_identifier": "Child M",
                    "age_band": "under_1",
                    "harm": "serious_harm",
                    "abuse_types": ["physical"],
                    "incident_on": "2026-12-10",
                    "aware_on": "2026-12-11",
                    "agencies": ["police", "csc", "health", "education"],
                    "summary": "Unexplained fractures found in a 4-month-old at hospital.",
                    "criteria_view": "yes",
                },
            )
        )
        self.until(at("2026-12-14T11:00"))
        self.click_and_submit(
            sam, "triage_more_info", "more_info", {"question": "Has a strategy meeting been held?"}, channel_id=PPRG
        )
        self.until(at("2026-12-15T14:00"))
        self.click_and_submit(sam, "triage_start", "start_review", {"notified_on": "2026-12-15"}, channel_id=PPRG)
        channel = self.case_channel()
        self.act(lambda: self.person("csc.lead.dan").command("/cspr", "status", channel_id=channel))

        sign_offs = [
            (
                "2026-12-16T11:00",
                "police.lead.priya",
                "police",
                "Police involvement summary uploaded to the secure store.",
            ),
            ("2026-12-18T15:30", "education.lead.lee", "education", ""),
            ("2027-01-06T10:30", "csc.lead.dan", "csc", "Chronology and practice episodes returned."),
            ("2027-01-11T09:45", "health.lead.grace", "health", "Health visiting and hospital records reviewed."),
        ]
        for moment, name, agency, comment in sign_offs:
            self.until(at(moment))
            lead = self.person(name)
            self.click_and_submit(
                lead, "signoff", "sign_off", {"comment": comment}, channel_id=channel, value=f"2026-001|{agency}"
            )

        self.until(at("2027-01-11T11:00"))
        self.click_and_submit(
            sam,
            "decide_local_cspr",
            "decide",
            {
                "rationale": "Serious harm with learning for several agencies about bruising and injuries in non-mobile babies."
            },
            channel_id=channel,
        )
        for moment, name in (
            ("2027-01-11T11:30", "la.delegate.amira"),
            ("2027-01-11T14:00", "icb.delegate.tom"),
            ("2027-01-12T10:00", "police.delegate.rhys"),
        ):
            self.until(at(moment))
            self.act(lambda n=name: self.person(n).click("endorse"))
        self.until(at("2027-01-12T15:00"))
        self.click_and_submit(jo, "mark_sent", "mark_sent", {"sent_on": "2027-01-12"}, channel_id=channel)
        self.until(at("2027-01-13T09:30"))
        self.local_review(channel)

    def local_review(self, channel: str) -> None:
        """From the Panel's answer to a published, searchable review and an archived channel."""
        sam, jo, dan = (self.person(n) for n in ("pprg.chair.sam", "business.manager.jo", "csc.lead.dan"))
        self.quietly_until(at("2027-01-26T10:00"))
        self.click_and_submit(jo, "panel_agrees", "panel_answer", {"answered_on": "2027-01-25"}, channel_id=channel)
        self.quietly_until(at("2027-02-01T10:00"))
        self.act(lambda: jo.command("/cspr", "milestone reviewer", channel_id=channel))
        self.quietly_until(at("2027-02-22T10:00"))
        self.click_and_submit(
            jo, "milestone", "milestone", {"on": "2027-02-19"}, channel_id=channel, value="2026-001|terms"
        )
        for moment, command in (
            ("2027-03-29T10:00", "milestone agency-reports"),
            ("2027-04-14T16:00", "milestone practitioners"),
            ("2027-04-21T10:00", "milestone family 2027-04-20"),
            ("2027-05-17T10:00", "milestone draft"),
            ("2027-06-07T10:00", "milestone approved"),
            ("2027-06-08T10:00", "milestone sent"),
        ):
            self.quietly_until(at(moment))
            self.act(lambda c=command: jo.command("/cspr", c, channel_id=channel))
        briefing = {
            "title": "LCSPR Baby T",
            "themes": "non-accidental injury, non-mobile babies, bruising",
            "full_report": "https://example.org/reviews/baby-t/full-report.pdf",
            "seven_minute_briefing": "https://example.org/reviews/baby-t/7-minute-briefing.pdf",
            "slides": "https://example.org/reviews/baby-t/slides.pptx",
        }
        self.quietly_until(at("2027-06-10T10:00"))
        self.act(lambda: sam.command("/cspr", "publish", channel_id=channel))
        self.act(lambda: sam.submit(self.form(sam, "publish"), {**briefing, "published_on": "2027-06-10"}))
        self.quietly_until(at("2027-06-17T11:00"))
        self.act(lambda: jo.command("/cspr", "publish", channel_id=channel))
        self.act(lambda: jo.submit(self.form(jo, "publish"), {**briefing, "published_on": "2027-06-17"}))
        self.quietly_until(at("2027-06-18T14:00"))
        self.act(lambda: dan.command("/cspr", "library bruises", channel_id=GENERAL))
        self.action_plan(channel)
        self.quietly_until(at("2027-06-28T10:00"))
        self.act(lambda: sam.command("/cspr", "close", channel_id=channel))
        self.act(
            lambda: sam.submit(
                self.form(sam, "close_case"),
                {"note": "Published 17 Jun 2027. Records are in the partnership's secure store."},
            )
        )
        self.until(at("2027-06-29T09:30"))

    def action_plan(self, channel: str) -> None:
        """The review's recommendation becomes an action that chases itself until it is done."""
        sam, jo, dan = (self.person(n) for n in ("pprg.chair.sam", "business.manager.jo", "csc.lead.dan"))
        self.quietly_until(at("2027-06-18T15:00"))
        self.act(lambda: sam.command("/cspr", "recommend", channel_id=channel))
        self.act(
            lambda: sam.submit(
                self.form(sam, "recommend"),
                {
                    "text": "Every agency checks that staff know the bruising protocol for non-mobile babies.",
                    "agency": "csc",
                    "owner": dan.id,
                    "due_on": "2027-06-25",
                    "measure": "An audit of 20 recent cases shows the protocol followed.",
                },
            )
        )
        self.quietly_until(at("2027-06-24T11:00"))
        dm = self.slack.dm_channel(dan.id)
        self.act(lambda: dan.click("action_complete", channel_id=dm))
        self.act(
            lambda: dan.submit(
                self.form(dan, "action_step"),
                {
                    "note": "Audit of 20 cases done: the protocol was followed in 19.",
                    "link": "https://example.org/audit",
                },
            )
        )
        self.quietly_until(at("2027-06-25T10:00"))
        self.act(lambda: jo.click("action_sign_off", channel_id=channel))

    def year_report(self) -> dict[str, Any]:
        """The partnership's yearly report for the year the case began in, as it stood at the end."""
        outcome = self.services.desk.run(
            self.clock.now(), reports.yearly, "cli:demo", start=REPORT_YEAR.start, end=REPORT_YEAR.end
        )
        assert isinstance(outcome, Done)
        return outcome.data["report"]

    def log(self) -> list[dict[str, Any]]:
        return self.slack.transcript()


def _routine(entry: dict[str, Any]) -> bool:
    return entry["kind"] == "post" and entry["text"].startswith(ROUTINE)


def write_transcript(entries: list[dict[str, Any]], out: TextIO, *, full: bool) -> None:
    folded = 0
    for number, entry in enumerate(entries):
        # A run of days with nothing but the daily digest shows its first day, then a count.
        if not full and _routine(entry) and number and _routine(entries[number - 1]):
            folded += 1
            following = entries[number + 1] if number + 1 < len(entries) else None
            if following is None or not _routine(following):
                last = datetime.fromisoformat(entry["time"])
                out.write(
                    f"\n    … {folded} more daily digests, to {last:%a} {last.day} {last:%b %Y} (--full shows them)\n"
                )
                folded = 0
            continue
        moment = datetime.fromisoformat(entry["time"])
        where = entry["channel"] or "(modal)"
        out.write(f"\n[{moment:%a} {moment.day} {moment:%b %Y %H:%M}] {where} · {entry['author']} ({entry['kind']})\n")
        lines = entry["text"].splitlines() or [""]
        if not full and entry["kind"] in ("update", "modal") and len(lines) > 3:
            lines = [*lines[:3], f"… ({len(lines) - 3} more lines)"]
        for line in lines:
            out.write(f"    {line}\n")


def run(json_path: Path | None = None, *, full: bool = False, out: TextIO = sys.stdout) -> list[dict[str, Any]]:
    # The transcript is the output; the bot's own operational logging would only interleave with it.
    logging.getLogger().setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="cspr-demo-") as folder, Tour(Path(folder)) as tour:
        tour.play()
        entries = tour.entries()
        library_size = tour.library_size
        report = tour.year_report() if json_path is not None else None
    out.write(f"The learning library starts with the {library_size} published reviews in {LIBRARY_FILE.name}.\n")
    write_transcript(entries, out, full=full)
    out.write(f"\n{len(entries)} events between {entries[0]['time']} and {entries[-1]['time']} (simulated time).\n")
    if json_path is not None:
        json_path.write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        out.write(f"Transcript written to {json_path} as JSON.\n")
        # Only here: the report's charts take matplotlib, which nothing else in the tour needs.
        from bot.reporting import formats

        report_path = json_path.with_name(f"{json_path.stem}-report.html")
        report_path.write_text(formats.as_html(report), encoding="utf-8")
        out.write(
            f"The reporting year {REPORT_YEAR.start:%B %Y} to {REPORT_YEAR.end:%B %Y} written to {report_path}.\n"
        )
    return entries

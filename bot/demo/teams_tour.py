"""`cspr-bot demo --platform teams`: the rapid review on Microsoft Teams, played on a simulated
clock against an in-process Teams stand-in (token issuer, Bot Connector, Graph), with the real
bot serving /api/messages: a referral the week before Christmas, triage in the PPRG channel, a
group chat for the case, sign-offs across Christmas and New Year (one of them pressed twice),
the chair's decision, the partners' endorsements in their chats, and the send to the Panel.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from bot.clock import SimulatedClock
from bot.clockwork.tick import Clockwork
from bot.demo.tour import Story, at, write_transcript
from bot.partnership import load
from bot.platforms.teams.runner import TeamsRunner
from bot.settings import Settings
from bot.standin.teams import TeamsStandIn, TeamsUser, flatten

PARTNERSHIP_TEMPLATE = Path(__file__).with_name("teams-partnership.yaml")
TENANT = "7e57d3a0-0000-4000-8000-00000000d3a0"
PPRG_TEAM = "7e57d3a0-0000-4000-8000-0000000097a1"
CATALOG_APP = "7e57d3a0-0000-4000-8000-0000000ca7a1"
SECRET = "demo-client-secret"
PEOPLE = {
    "d3a0c4a1-0000-4000-8000-00000000c4a1": "pprg.chair.sam",
    "d3a0b1a2-0000-4000-8000-00000000b1a2": "business.manager.jo",
    "d3a01ad5-0000-4000-8000-000000001ad5": "la.delegate.amira",
    "d3a01cbd-0000-4000-8000-000000001cbd": "icb.delegate.tom",
    "d3a09011-0000-4000-8000-000000009011": "police.delegate.rhys",
    "d3a0901e-0000-4000-8000-00000000901e": "police.lead.priya",
    "d3a0c5c1-0000-4000-8000-00000000c5c1": "csc.lead.dan",
    "d3a04ea1-0000-4000-8000-000000004ea1": "health.lead.grace",
    "d3a0ed01-0000-4000-8000-00000000ed01": "education.lead.lee",
}
# Teams shows Markdown's backslash escapes as the characters themselves.
_ESCAPED = re.compile(r"\\(.)")


def _shown(attachments: list[dict[str, Any]]) -> str:
    return _ESCAPED.sub(r"\1", "\n".join(flatten(a.get("content") or {}) for a in attachments))


class TeamsTour(Story):
    def __init__(self, folder: Path) -> None:
        self.clock = SimulatedClock(at("2026-12-14T08:00"))
        self.teams = TeamsStandIn(tenant_id=TENANT, client_secret=SECRET, catalog_app_id=CATALOG_APP)
        self.folder = folder
        self.runner: TeamsRunner | None = None
        self.clockwork: Clockwork | None = None
        self.moments = []
        self.pprg = ""

    def __enter__(self) -> TeamsTour:
        teams = self.teams.start()
        for object_id, name in PEOPLE.items():
            teams.add_user(object_id, name)
        teams.add_team(PPRG_TEAM, "Safeguarding partnership", list(PEOPLE))
        self.pprg = teams.add_channel(PPRG_TEAM, "PPRG", membership_type="private", members=list(PEOPLE)[:2]).id
        learning = teams.add_channel(PPRG_TEAM, "Learning from reviews").id
        config = self.folder / "partnership.yaml"
        config.write_text(
            PARTNERSHIP_TEMPLATE.read_text(encoding="utf-8")
            .replace("{pprg_channel}", self.pprg)
            .replace("{learning_channel}", learning),
            encoding="utf-8",
        )
        settings = Settings.from_env(
            {
                **teams.bot_environment(),
                "DATABASE_URL": f"sqlite:///{self.folder / 'demo.db'}",
                "CSPR_CONFIG": str(config),
            }
        )
        self.runner = TeamsRunner(settings, load(config), clock=self.clock, host="127.0.0.1", port=0).prepare()
        teams.bot_url = f"http://127.0.0.1:{self.runner.start_http()}/api/messages"
        self.clockwork = Clockwork(self.services)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.runner is not None:
            self.runner.stop()
        self.teams.stop()

    def log(self) -> list[dict[str, Any]]:
        return [{**entry, "text": _ESCAPED.sub(r"\1", entry["text"])} for entry in self.teams.transcript()]

    # -- people --------------------------------------------------------------------------------

    def person(self, name: str) -> TeamsUser:
        return self.teams.user(next(oid for oid, known in PEOPLE.items() if known == name))

    def card_with(self, conversation: str, words: str) -> str:
        """The newest message in `conversation` whose text has `words`: the card to press on."""
        found = self.teams.wait_for(
            lambda t: [a for a in t.activities(conversation) if words in _shown(a.attachments)],
            message=f"a card with {words!r}",
        )
        return found[-1].id

    def press_and_submit(self, person: TeamsUser, button: str, values: dict, conversation: str, card: str) -> None:
        self.act(lambda: person.press(button, conversation_id=conversation, activity_id=card))
        self.act(lambda: person.submit(values))

    # -- the story -----------------------------------------------------------------------------

    def play(self) -> None:
        priya, sam, jo = (
            self.person("police.lead.priya"),
            self.person("pprg.chair.sam"),
            self.person("business.manager.jo"),
        )
        self.until(at("2026-12-14T10:15"))
        self.act(lambda: priya.say("refer"))
        self.act(lambda: priya.press("Open the form"))
        self.act(
            lambda: priya.submit(
                {
                    "referring_agency": "police",
                    "child_identifier": "Child M",
                    "age_band": "under_1",
                    "harm": "serious_harm",
                    "abuse_types": "physical",
                    "incident_on": "2026-12-10",
                    "aware_on": "2026-12-11",
                    "agencies": "police,csc,health,education",
                    "summary": "Unexplained fractures found in a 4-month-old at hospital.",
                    "criteria_view": "yes",
                }
            )
        )
        self.until(at("2026-12-15T14:00"))
        triage = self.card_with(self.pprg, "Referral 2026-001")
        self.press_and_submit(sam, "Start rapid review", {"notified_on": "2026-12-15"}, self.pprg, triage)
        chat = self.teams.wait_for(lambda t: t.chat_by_topic("rr-2026-001"), message="the case chat").id
        case_card = self.card_with(chat, "Rapid review 2026-001")
        sign_offs = [
            ("2026-12-16T11:00", "police.lead.priya", "Police involvement summary uploaded to the secure store."),
            ("2026-12-18T15:30", "education.lead.lee", ""),
            ("2027-01-06T10:30", "csc.lead.dan", "Chronology and practice episodes returned."),
            ("2027-01-11T09:45", "health.lead.grace", "Health visiting and hospital records reviewed."),
        ]
        for moment, name, comment in sign_offs:
            self.until(at(moment))
            lead = self.person(name)
            self.press_and_submit(lead, "Sign off", {"comment": comment}, chat, case_card)
            if name == "education.lead.lee":
                self.act(lead.resend_last)  # pressed twice: still one sign-off
        self.until(at("2027-01-11T11:00"))
        decision = self.card_with(chat, "Every agency has signed off")
        rationale = "Serious harm with learning for several agencies about bruising in non-mobile babies."
        self.press_and_submit(sam, "Local CSPR", {"rationale": rationale}, chat, decision)
        for moment, name in (
            ("2027-01-11T11:30", "la.delegate.amira"),
            ("2027-01-11T14:00", "icb.delegate.tom"),
            ("2027-01-12T10:00", "police.delegate.rhys"),
        ):
            self.until(at(moment))
            delegate = self.person(name)
            personal = self.teams.personal_chat(delegate.object_id)
            assert personal is not None
            card = self.card_with(personal.id, "Endorse")
            self.act(lambda d=delegate, p=personal.id, c=card: d.press("Endorse", conversation_id=p, activity_id=c))
        self.until(at("2027-01-12T15:00"))
        self.press_and_submit(jo, "Mark sent to Panel", {"sent_on": "2027-01-12"}, chat, decision)
        self.until(at("2027-01-13T09:30"))


def run(json_path: Path | None = None, *, full: bool = False, out: TextIO = sys.stdout) -> list[dict[str, Any]]:
    logging.getLogger().setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="cspr-demo-teams-") as folder, TeamsTour(Path(folder)) as tour:
        tour.play()
        entries = tour.entries()
    write_transcript(entries, out, full=full)
    out.write(f"\n{len(entries)} events between {entries[0]['time']} and {entries[-1]['time']} (simulated time).\n")
    if json_path is not None:
        json_path.write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        out.write(f"Transcript written to {json_path} as JSON.\n")
    return entries

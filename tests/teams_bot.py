"""The bot on Teams, exactly as `cspr-bot serve --platform teams` runs it, against the Teams
stand-in: a tenant with the partnership's people, the PPRG team and its channels."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("microsoft_teams.apps")

from sqlalchemy import func, select  # noqa: E402

from bot.clock import SimulatedClock  # noqa: E402
from bot.partnership import Partnership, load  # noqa: E402
from bot.platforms.teams.runner import TeamsRunner  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.standin.teams import TeamsStandIn, TeamsUser, flatten  # noqa: E402
from storage.models import Case  # noqa: E402
from tests.conftest import START  # noqa: E402

_ESCAPED = re.compile(r"\\(.)")
TEMPLATE = Path(__file__).resolve().parent / "data" / "teams_partnership.yaml"
TENANT = "0f1e2d3c-4b5a-4697-8877-665544332211"
PPRG_TEAM = "11111111-2222-4333-8444-555555555555"
CATALOG_APP = "ca7a1065-0000-4000-8000-00000000a995"
PEOPLE = {
    "c4a1e0b2-0000-4000-8000-00000000c4a1": "pprg.chair",
    "b1a2e0b2-0000-4000-8000-00000000b1a2": "business.manager",
    "5c2e0b20-0000-4000-8000-000000005c2e": "scrutineer",
    "1ad5e0b2-0000-4000-8000-000000001ad5": "la.delegate",
    "1cbd5e0b-0000-4000-8000-000000001cbd": "icb.delegate",
    "9011ce0b-0000-4000-8000-000000009011": "police.delegate",
    "90111ead-0000-4000-8000-000000090111": "police.lead",
    "c5c1ead0-0000-4000-8000-00000000c5c1": "csc.lead",
    "4ea17401-0000-4000-8000-000000004ea1": "health.lead",
    "4ea17402-0000-4000-8000-000000004ea2": "health.lead2",
    "ed01ead0-0000-4000-8000-00000000ed01": "education.lead",
    "0badf00d-0000-4000-8000-000000000bad": "someone.else",
}


@dataclass
class TeamsBot:
    runner: TeamsRunner
    teams: TeamsStandIn
    clock: SimulatedClock
    pprg: str  # the PPRG channel's id
    partnership: Partnership

    @property
    def services(self):
        return self.runner.services

    def user(self, name: str) -> TeamsUser:
        return self.teams.user(next(oid for oid, known in PEOPLE.items() if known == name))

    def settle(self) -> None:
        assert self.services.wait_idle(10), "the bot did not settle"

    def texts(self, conversation_id: str) -> list[str]:
        """Every message in a conversation as people read it, oldest first."""
        return [readable(activity) for activity in self.teams.activities(conversation_id)]

    def dm_texts(self, name: str) -> list[str]:
        return [readable(activity) for activity in self.teams.dms(self.user(name).object_id)]


def readable(activity) -> str:
    """What a person reads: each card's text, with Markdown's backslash escapes shown as Teams shows them."""
    cards = [a.get("content") or {} for a in activity.attachments]
    return _ESCAPED.sub(r"\1", "\n".join([activity.text or "", *(flatten(card) for card in cards)]).strip())


def tenant(teams: TeamsStandIn) -> tuple[str, str]:
    """The partnership's people, the PPRG team with its PPRG and learning channels."""
    for object_id, name in PEOPLE.items():
        teams.add_user(object_id, name)
    teams.add_team(PPRG_TEAM, "PPRG", [oid for oid, name in PEOPLE.items() if name != "someone.else"])
    pprg = teams.add_channel(PPRG_TEAM, "PPRG").id
    learning = teams.add_channel(PPRG_TEAM, "Learning from reviews").id
    return pprg, learning


def partnership_file(folder: Path, pprg: str, learning: str) -> Path:
    text = TEMPLATE.read_text().replace("19:pprg0channel@thread.tacv2", pprg)
    path = folder / "teams_partnership.yaml"
    path.write_text(text.replace("19:learning0channel@thread.tacv2", learning))
    return path


def settings(teams: TeamsStandIn, database_url: str, config: Path) -> Settings:
    return Settings.from_env({**teams.bot_environment(), "DATABASE_URL": database_url, "CSPR_CONFIG": str(config)})


def start_teams_instance(teams: TeamsStandIn, database_url: str, config: Path, clock: SimulatedClock) -> TeamsRunner:
    runner = TeamsRunner(
        settings(teams, database_url, config), load(config), clock=clock, host="127.0.0.1", port=0
    ).prepare()
    teams.bot_url = f"http://127.0.0.1:{runner.start_http()}/api/messages"
    return runner


@pytest.fixture(name="teams_bot")
def running_on_teams(database_url: str, tmp_path: Path) -> Iterator[TeamsBot]:
    with TeamsStandIn(tenant_id=TENANT, catalog_app_id=CATALOG_APP) as teams:
        pprg, learning = tenant(teams)
        config = partnership_file(tmp_path, pprg, learning)
        clock = SimulatedClock(START)
        runner = start_teams_instance(teams, database_url, config, clock)
        try:
            yield TeamsBot(runner, teams, clock, pprg, load(config))
        finally:
            runner.stop()


REFERRAL = {
    "referring_agency": "police",
    "child_identifier": "Child ZQX",
    "age_band": "under_1",
    "harm": "serious_harm",
    "abuse_types": "physical",
    "incident_on": "2026-01-01",
    "aware_on": "2026-01-02",
    "agencies": "police,csc,health",
    "summary": "Fractures found at a routine appointment. <at>Everyone</at> **now** [x](https://evil.example)",
    "criteria_view": "yes",
}


def refer(bot: TeamsBot, values: dict | None = None) -> None:
    """The police lead refers a case from their 1:1 chat with the bot."""
    police = bot.user("police.lead")
    seen = len(bot.teams.dms(police.object_id))
    police.say("refer")
    bot.teams.wait_for(lambda t: len(t.dms(police.object_id)) > seen, message="the form button")
    police.press("Open the form")
    assert police.submit(values or REFERRAL).status == 200 and police.dialog is None
    bot.settle()


def start_review(bot: TeamsBot, ref: str = "2026-001"):
    """The chair starts the rapid review from the triage card; returns the case's group chat."""
    chair = bot.user("pprg.chair")
    triage = bot.teams.wait_for(
        lambda t: [a for a in t.activities(bot.pprg) if f"Referral {ref}" in readable(a)], message="the triage card"
    )
    chair.press("Start rapid review", conversation_id=bot.pprg, activity_id=triage[-1].id)
    chair.submit({"notified_on": bot.clock.now().date().isoformat()})
    bot.settle()
    return bot.teams.wait_for(lambda t: t.chat_by_topic(f"rr-{ref}"), message="the case chat")


def case_card(bot: TeamsBot, chat_id: str, ref: str = "2026-001"):
    return bot.teams.wait_for(
        lambda t: [a for a in t.activities(chat_id) if f"Rapid review {ref}" in readable(a)], message="the case card"
    )[0]


def stage_of(bot: TeamsBot, ref: str = "2026-001") -> str | None:
    with bot.services.database.transaction() as session:
        case = session.scalars(select(Case).where(Case.ref == ref)).first()
        return case.stage if case else None


def count(bot: TeamsBot, model) -> int:
    with bot.services.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))

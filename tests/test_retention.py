"""Retention: long-closed cases lose their identifiable free text, keep their dates and decisions,
and the audit trail still verifies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from bot.clockwork.tick import Clockwork
from storage import audit_chain, repositories
from storage.models import Case, OutboxMessage
from tests.conftest import PARTNERSHIP_FILE, RunningBot
from tests.test_rapid_review_story import PPRG, REFERRAL, refer

CSPR_BOT = str(Path(sys.executable).with_name("cspr-bot"))


def london(bot: RunningBot, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=bot.services.partnership.timezone)


def close_as_not_met(bot: RunningBot, reason: str) -> None:
    manager = bot.user("business.manager")
    manager.click("triage_not_met", channel_id=PPRG)
    manager.submit(bot.form(manager, "not_met").id, {"reason": reason})
    bot.settle()


def cases(bot: RunningBot) -> dict[str, Case]:
    with bot.services.database.transaction() as session:
        found = {case.ref: case for case in repositories.cases_in(session, ("closed", "referred"))}
        session.expunge_all()
    return found


def test_long_closed_cases_lose_identifiable_text_and_keep_the_rest(bot: RunningBot):
    # 2026-001: asked about, then closed in January 2026. 2027-001: closed in March 2027.
    # 2027-002: still waiting for triage.
    bot.clock.set(london(bot, "2026-01-05T10:00"))
    refer(bot)
    chair = bot.user("pprg.chair")
    chair.click("triage_more_info", channel_id=PPRG)
    chair.submit(bot.form(chair, "more_info").id, {"question": "Was the GP told?"})
    bot.settle()
    close_as_not_met(bot, "No abuse or neglect suspected after the strategy meeting.")
    bot.clock.set(london(bot, "2027-03-01T10:00"))
    refer(bot, {**REFERRAL, "incident_on": "2027-02-25", "aware_on": "2027-02-26", "child_identifier": "Child Q"})
    close_as_not_met(bot, "Accidental injury, confirmed by the hospital.")
    refer(bot, {**REFERRAL, "incident_on": "2027-02-25", "aware_on": "2027-02-26", "child_identifier": "Child R"})

    changed = Clockwork(bot.services).retention(london(bot, "2028-02-01T02:00"))  # 24 months by default
    assert changed == ["2026-001"]
    found = cases(bot)
    old, recent, open_case = found["2026-001"], found["2027-001"], found["2027-002"]
    assert (old.child_identifier, old.summary, old.closure_note) == (None, None, None)
    assert old.incident_on.isoformat() == "2026-01-01" and old.closed_reason == "criteria_not_met" and old.redacted_at
    assert recent.child_identifier == "Child Q" and recent.closure_note
    assert open_case.child_identifier == "Child R" and open_case.summary
    with bot.services.database.transaction() as session:
        old_case = repositories.case_by_ref(session, "2026-001")
        assert [request.question for request in old_case.info_requests] == [None]
        payloads = list(session.scalars(select(OutboxMessage.payload).where(OutboxMessage.case_id == old_case.id)))
        assert payloads and all(payload == {"removed": "retention"} for payload in payloads)
        report = audit_chain.verify(repositories.audit_trail(session))
    assert report.intact
    # The triage card in Slack is re-rendered without the reason at the next tick.
    Clockwork(bot.services).tick(london(bot, "2028-02-01T02:01"))
    card = next(m for m in bot.standin.messages(PPRG) if "Referral 2026-001" in bot.text(m))
    assert "strategy meeting" not in json.dumps(card.blocks) and "removed under the retention policy" in bot.text(card)
    # Nothing left to do the second time.
    assert Clockwork(bot.services).retention(london(bot, "2028-02-02T02:00")) == []


def test_the_retention_command_reports_what_it_removed(bot: RunningBot):
    bot.clock.set(london(bot, "2024-01-08T10:00"))
    refer(bot, {**REFERRAL, "incident_on": "2024-01-02", "aware_on": "2024-01-03"})
    close_as_not_met(bot, "Not a safeguarding concern.")
    env = {**os.environ, "DATABASE_URL": bot.runner.settings.database_url, "CSPR_CONFIG": str(PARTNERSHIP_FILE)}
    command = [CSPR_BOT, "retention", "--older-than", "24m"]
    dry = subprocess.run([*command, "--dry-run"], env=env, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert "would remove child identifier, summary" in dry.stdout and "from 1 case(s) closed" in dry.stdout
    assert cases(bot)["2024-001"].child_identifier == REFERRAL["child_identifier"]  # nothing changed
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "from 1 case(s) closed over 24 months ago: 2024-001" in first.stdout
    assert "child identifier, summary" in first.stdout
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert "no closed case over 24 months old still holds identifiable text" in second.stdout
    bad = subprocess.run(
        [CSPR_BOT, "retention", "--older-than", "soon"], env=env, capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2 and "is not an age like 24m" in bad.stderr

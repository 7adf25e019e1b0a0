"""Driving a case along its journey through Slack, as the people in it would: refer, start, sign
off, decide, endorse and send to the Panel, each by a real request to the bot."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from storage.models import AuditEvent, Case
from tests.conftest import GENERAL, RunningBot
from tests.test_rapid_review_story import PPRG, REFERRAL

CHAIR, MANAGER = "pprg.chair", "business.manager"
LEADS = (("police.lead", "police"), ("csc.lead", "csc"), ("health.lead", "health"))
DELEGATES = ("la.delegate", "icb.delegate", "police.delegate")


def at(bot: RunningBot, text: str) -> datetime:
    """A moment in the partnership's time zone, and the bot's clock set to it."""
    moment = datetime.fromisoformat(text).replace(tzinfo=bot.services.partnership.timezone)
    bot.clock.set(moment)
    return moment


def submit(bot: RunningBot, person: str, callback_id: str, values: dict, *, expect_errors: bool = False) -> dict:
    """Submit the form the bot opened for `person`; returns the bot's answer (errors, or nothing)."""
    user = bot.user(person)
    answer = user.submit(bot.form(user, callback_id).id, values)
    assert answer.status == 200, answer.body
    if not expect_errors:
        assert answer.json is None, answer.json
    bot.settle()
    return answer.json or {}


def click_and_submit(bot: RunningBot, person: str, action_id: str, callback_id: str, values: dict, **where) -> None:
    bot.user(person).click(action_id, **where)
    submit(bot, person, callback_id, values)


def plain(text: str) -> str:
    """Text as read, without mrkdwn's bold and italics."""
    return text.replace("*", "").replace("_", " ")


def command(bot: RunningBot, person: str, text: str, channel: str) -> str:
    """A /cspr command; returns what the person reads in the answer (given at once, or a moment
    later when the command first opens a form), without bold and italics."""
    user = bot.user(person)
    shown = len([e for e in bot.standin.ephemerals if e.user == user.id])
    answer = user.command("/cspr", text, channel_id=channel)
    assert answer.status == 200, answer.body
    bot.settle()
    body = answer.json
    if body:
        return plain(bot.standin.workspace.readable(body.get("blocks"), body.get("text", "")))
    later = [e for e in bot.standin.ephemerals if e.user == user.id][shown:]
    return plain("\n".join(bot.standin.workspace.readable(e.blocks, e.text) for e in later))


def told(bot: RunningBot, user_id: str) -> str:
    """The newest thing only this person was shown (an ephemeral answer)."""
    shown = [e for e in bot.standin.ephemerals if e.user == user_id]
    assert shown, f"nothing shown to {user_id}"
    return plain(bot.standin.workspace.readable(shown[-1].blocks, shown[-1].text))


def to_the_panel(bot: RunningBot, outcome: str, on: str, referral: dict | None = None, ref: str = "2026-001") -> str:
    """A case referred, reviewed, decided (`outcome`), endorsed and sent to the Panel, all on day
    `on` (a working day, from 09:30); returns the case channel's id."""
    day = date.fromisoformat(on)
    at(bot, f"{on}T09:30")
    police = bot.user("police.lead")
    police.command("/cspr", "refer", channel_id=GENERAL)
    submit(bot, "police.lead", "referral", {**REFERRAL, **(referral or {}), "incident_on": on, "aware_on": on})
    click_and_submit(bot, CHAIR, "triage_start", "start_review", {"notified_on": on}, channel_id=PPRG, value=ref)
    channel = bot.standin.wait_for(lambda s: s.channel_by_name(f"rr-{ref}"), message="the case channel").id
    for lead, agency in LEADS:
        click_and_submit(bot, lead, "signoff", "sign_off", {}, channel_id=channel, value=f"{ref}|{agency}")
    click_and_submit(
        bot, CHAIR, f"decide_{outcome}", "decide", {"rationale": "Learning for every agency."}, channel_id=channel
    )
    for delegate in DELEGATES:
        bot.user(delegate).click("endorse", value=f"{ref}|{_role(delegate)}")
        bot.settle()
    click_and_submit(bot, MANAGER, "mark_sent", "mark_sent", {"sent_on": day.isoformat()}, channel_id=channel)
    return channel


def _role(delegate: str) -> str:
    return {"la.delegate": "local_authority", "icb.delegate": "icb", "police.delegate": "police"}[delegate]


def stage_of(bot: RunningBot, ref: str = "2026-001") -> str:
    with bot.services.database.transaction() as session:
        return session.scalars(select(Case.stage).where(Case.ref == ref)).one()


def actions_audited(bot: RunningBot) -> list[str]:
    with bot.services.database.transaction() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def posted_since(bot: RunningBot, seen: int) -> list[dict]:
    """Posts, direct messages, edits and archivals the bot made after log entry `seen`."""
    return [e for e in bot.standin.log[seen:] if e["kind"] in ("post", "dm", "update", "archive", "pin")]

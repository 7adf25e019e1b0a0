"""The whole rapid review, through the bot's real HTTP endpoint, with people acting in Slack:
refer → triage → start → channel → every agency signs off → chair decides → partners endorse →
sent to the Panel."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import AuditEvent, Case, SignOff
from tests.conftest import GENERAL, RunningBot

PPRG = "C0123PPRG"
REFERRAL = {
    "referring_agency": "police",
    "child_identifier": "Child ZQX",
    "age_band": "under_1",
    "harm": "serious_harm",
    "abuse_types": ["physical"],
    "incident_on": "2026-01-01",
    "aware_on": "2026-01-02",
    "agencies": ["police", "csc", "health"],
    "summary": "Fractures found at a routine appointment. <!channel>",
    "criteria_view": "yes",
}


def count(bot: RunningBot, model) -> int:
    with bot.services.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def case(bot: RunningBot, ref: str = "2026-001") -> Case:
    with bot.services.database.transaction() as session:
        found = session.scalars(select(Case).where(Case.ref == ref)).one()
        session.expunge(found)
        return found


def refer(bot: RunningBot, values=None) -> None:
    police = bot.user("police.lead")
    assert police.command("/cspr", "refer", channel_id=GENERAL).status == 200
    form = bot.form(police, "referral")
    answer = police.submit(form.id, values or REFERRAL)
    assert answer.status == 200 and answer.json is None  # the form closes
    bot.settle()


def test_the_whole_rapid_review(bot: RunningBot):
    standin = bot.standin
    chair, manager = bot.user("pprg.chair"), bot.user("business.manager")

    # 1. Refer: bad input first gets field errors and stores nothing.
    police = bot.user("police.lead")
    assert police.command("/cspr", "refer", channel_id=GENERAL).status == 200
    form = bot.form(police, "referral")
    answer = police.submit(form.id, {**REFERRAL, "child_identifier": "ZQ 12/03/2019", "incident_on": "2026-02-01"})
    assert answer.json["response_action"] == "errors"
    assert set(answer.json["errors"]) == {"child_identifier", "incident_on"}
    assert count(bot, Case) == 0
    answer = police.submit(form.id, REFERRAL)
    assert answer.status == 200 and answer.json is None
    bot.settle()

    # 2. Triage card in the PPRG channel; confirmation to the referrer.
    card = standin.wait_for(lambda s: s.messages(PPRG), message="the triage card")[0]
    assert "Referral 2026-001" in bot.text(card)
    assert "Notification to the Panel due Fri 9 Jan 2026" in bot.text(card)
    confirmation = standin.wait_for(lambda s: s.dms("U01POLICE"), message="the referrer's confirmation")
    assert "case *2026-001*" in confirmation[0].text or "2026-001" in bot.text(confirmation[0])

    # Someone else pressing a triage button is refused and nothing changes.
    outsider = bot.user("someone.else")
    outsider.click("triage_start", channel_id=PPRG)
    refusal = standin.wait_for(lambda s: [e for e in s.ephemerals if e.user == "U0OUTSIDER"], message="a refusal")
    assert "Only the PPRG chair or business manager" in refusal[0].text
    assert case(bot).stage == "referred"
    assert not [v for v in standin.views.values() if v.user == "U0OUTSIDER"]

    # 3. The chair starts the rapid review: a private channel, members invited, card pinned.
    chair.click("triage_start", channel_id=PPRG)
    start = bot.form(chair, "start_review")
    assert chair.submit(start.id, {"notified_on": "2026-01-05"}).json is None
    bot.settle()
    channel = standin.wait_for(lambda s: s.channel_by_name("rr-2026-001"), message="the case channel")
    assert channel.is_private
    expected_members = {"U0BOT", "U01CHAIR", "U01BIZMGR", "U01POLICE", "U01CSC", "U01HEALTH", "U01HEALTH2"}
    standin.wait_for(lambda s: s.channels[channel.id].members == expected_members, message="the invitations")
    case_card = standin.messages(channel.id)[0]
    assert case_card.ts in standin.channels[channel.id].pins
    assert "Due Mon 26 Jan 2026" in bot.text(case_card)
    assert "[Sign off]" in bot.text(case_card)
    triage = standin.messages(PPRG)[0]
    assert "Start rapid review" not in bot.text(triage) and "rr-2026-001" in bot.text(triage)
    assert case(bot).stage == "rapid_review"

    # 4. Sign-offs. Someone in the channel who leads no outstanding agency is refused.
    manager.click("signoff", channel_id=channel.id, value="2026-001|police")
    refusal = standin.wait_for(lambda s: [e for e in s.ephemerals if e.user == "U01BIZMGR"], message="refusal")
    assert "not the lead for an agency on 2026-001" in refusal[0].text
    for lead, agency in (("police.lead", "police"), ("csc.lead", "csc"), ("health.lead2", "health")):
        person = bot.user(lead)
        person.click("signoff", channel_id=channel.id, value=f"2026-001|{agency}")
        form = bot.form(person, "sign_off")
        assert person.submit(form.id, {"comment": f"{agency} information returned"}).json is None
        bot.settle()
    assert count(bot, SignOff) == 3
    card_now = standin.messages(channel.id)[0]
    assert card_now.ts == case_card.ts and card_now.edits  # edited in place, not reposted
    assert "[Sign off]" not in bot.text(card_now)
    assert "Signed off by @health.lead2" in bot.text(card_now)

    # 5. Decision card; only the chair may decide; the rationale is required.
    decision_card = standin.wait_for(
        lambda s: [m for m in s.messages(channel.id) if "Decision on next steps" in bot.text(m)],
        message="decision card",
    )[0]
    assert "[Local CSPR]" in bot.text(decision_card)
    manager.click("decide_local_cspr", channel_id=channel.id)
    standin.wait_for(lambda s: len([e for e in s.ephemerals if e.user == "U01BIZMGR"]) == 2, message="refused")
    chair.click("decide_local_cspr", channel_id=channel.id)
    decide = bot.form(chair, "decide")
    assert chair.submit(decide.id, {"rationale": "   "}).json["response_action"] == "errors"
    assert (
        chair.submit(decide.id, {"rationale": "Multi-agency learning about bruising in non-mobile babies."}).json
        is None
    )
    bot.settle()

    # 6. Partners are invited and each endorses from a direct message.
    delegates = {"U01LADSP": "local_authority", "U01ICBDSP": "icb", "U01POLDSP": "police"}
    standin.wait_for(lambda s: set(delegates) <= s.channels[channel.id].members, message="delegates invited")
    for user_id in delegates:
        dm = standin.wait_for(lambda s, u=user_id: s.dms(u), message=f"endorse card for {user_id}")
        assert "[Endorse]" in bot.text(dm[-1])
    assert case(bot).stage == "awaiting_endorsement"
    for user_id in delegates:
        bot.user(user_id).click("endorse")
        bot.settle()
    assert case(bot).stage == "decided"
    final = [m for m in standin.messages(PPRG) if "Decision for rapid review 2026-001: Local CSPR" in bot.text(m)]
    assert len(final) == 1
    decision_now = next(m for m in standin.messages(channel.id) if m.ts == decision_card.ts)
    assert "endorsed by @la.delegate" in bot.text(decision_now)
    assert "[Mark sent to Panel]" in bot.text(decision_now)

    # 7. Sent to the Panel.
    manager.click("mark_sent", channel_id=channel.id)
    sent = bot.form(manager, "mark_sent")
    assert manager.submit(sent.id, {"sent_on": "2026-01-05"}).json is None
    bot.settle()
    notices = [m for m in standin.messages(PPRG) if "sent to the Panel on *Mon 5 Jan 2026*" in bot.text(m)]
    assert len(notices) == 1
    assert case(bot).stage == "local_review"

    # Every step left an audit event.
    with bot.services.database.transaction() as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    for action in (
        "referred",
        "review_started",
        "channel_created",
        "signed_off",
        "recommended",
        "endorsed",
        "decision_final",
        "sent_to_panel",
        "refused",
    ):
        assert action in actions, action


def test_status_list_help_and_usage(bot: RunningBot):
    refer(bot)
    chair = bot.user("pprg.chair")
    listing = chair.command("/cspr", "list", channel_id=GENERAL).json
    assert "2026-001" in str(listing) and "Referred, awaiting triage" in str(listing)
    status = chair.command("/cspr", "status 2026-001", channel_id=GENERAL).json
    assert "Referral 2026-001" in str(status)
    assert "Using /cspr" in str(chair.command("/cspr", "help", channel_id=GENERAL).json)
    usage = chair.command("/cspr", "frobnicate <!channel>", channel_id=GENERAL).json
    assert "I don't know" in str(usage) and "<!channel>" not in str(usage)
    assert "Using /cspr" in str(chair.command("/cspr", "status not-a-ref", channel_id=GENERAL).json)
    outsider = bot.user("someone.else").command("/cspr", "list", channel_id=GENERAL).json
    assert "Only people named in the partnership file" in str(outsider)

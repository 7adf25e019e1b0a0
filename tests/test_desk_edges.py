"""The desk's other paths: forged requests, double and concurrent clicks, Slack refusing a private
channel, closing or querying a referral, adding a missed agency, the Home tab."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from urllib.parse import urlencode

from sqlalchemy import func, select

from storage.models import AuditEvent, Case, Endorsement, InfoRequest, OutboxMessage, SignOff
from tests.conftest import GENERAL, RunningBot
from tests.test_rapid_review_story import PPRG, REFERRAL, case, count, refer


def start_review(bot: RunningBot) -> str:
    """Refer a case and start its rapid review; returns the case channel id."""
    refer(bot)
    chair = bot.user("pprg.chair")
    chair.click("triage_start", channel_id=PPRG)
    assert chair.submit(bot.form(chair, "start_review").id, {"notified_on": "2026-01-05"}).json is None
    bot.settle()
    return bot.standin.wait_for(lambda s: s.channel_by_name("rr-2026-001"), message="case channel").id


def everything_stored(bot: RunningBot) -> tuple[int, int, int]:
    return count(bot, Case), count(bot, AuditEvent), count(bot, OutboxMessage)


def slash_body(user: str = "U01CHAIR") -> bytes:
    return urlencode(
        {
            "command": "/cspr",
            "text": "list",
            "user_id": user,
            "channel_id": GENERAL,
            "team_id": "T0CSPR",
            "trigger_id": "1.2.3",
            "response_url": "http://127.0.0.1:9/none",
            "api_app_id": "A0CSPR",
        }
    ).encode()


def test_forged_stale_and_unsigned_requests_get_401_and_change_nothing(bot: RunningBot):
    refer(bot)
    before = everything_stored(bot)
    form = "application/x-www-form-urlencoded"
    assert bot.standin.post_signed(slash_body(), form, signature="v0=" + "0" * 64).status == 401
    assert bot.standin.post_signed(slash_body(), form, timestamp=int(time.time()) - 6 * 60).status == 401
    assert bot.standin.post_signed(slash_body(), form, omit_headers=True).status == 401
    # A genuine signature over a different body does not carry over to a tampered one.
    referral = json.dumps(
        {"type": "view_submission", "user": {"id": "U01POLICE"}, "view": {"id": "VX", "callback_id": "referral"}}
    )
    assert bot.standin.post_signed(b"payload=" + referral.encode(), form, signature="v0=deadbeef").status == 401
    assert everything_stored(bot) == before


def test_health_check_answers_while_the_database_is_reachable(bot: RunningBot):
    url = bot.standin.app_url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(url) as answer:
        assert answer.status == 200 and json.loads(answer.read()) == {"status": "ok"}


def test_a_referral_form_submitted_twice_makes_one_case(bot: RunningBot):
    police = bot.user("police.lead")
    police.command("/cspr", "refer", channel_id=GENERAL)
    assert police.submit(bot.form(police, "referral").id, REFERRAL).json is None
    # The same submission reaching the bot again (same view id) does not make a second case.
    assert police.resend_last().status == 200
    bot.settle()
    assert count(bot, Case) == 1
    assert len(bot.standin.messages(PPRG)) == 1
    assert len(bot.standin.dms("U01POLICE")) == 1


def test_double_and_concurrent_sign_offs_record_one(bot: RunningBot):
    channel = start_review(bot)
    police = bot.user("police.lead")
    police.click("signoff", channel_id=channel, value="2026-001|police")
    form = bot.form(police, "sign_off")
    # A double submission: two requests for the same form race each other...
    start = threading.Barrier(2)
    sent = []

    def submit() -> None:
        start.wait()
        try:
            sent.append(police.submit(form.id, {"comment": "done"}))
        except LookupError:
            pass  # the other request already closed the form before this one was sent

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # ...and the same request delivered three more times at once.
    replays = [threading.Thread(target=police.resend_last) for _ in range(3)]
    for thread in replays:
        thread.start()
    for thread in replays:
        thread.join()
    bot.settle()
    assert sent and all(answer.status == 200 for answer in sent)
    assert count(bot, SignOff) == 1
    with bot.services.database.transaction() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "signed_off")) == 1
    assert "[Sign off]" in bot.text(bot.standin.messages(channel)[0])  # the other agencies still to sign


def test_a_lead_of_two_agencies_is_asked_which(bot: RunningBot):
    refer(bot, {**REFERRAL, "agencies": ["police", "csc", "education"]})
    chair = bot.user("pprg.chair")
    chair.click("triage_start", channel_id=PPRG)
    chair.submit(bot.form(chair, "start_review").id, {"notified_on": "2026-01-05"})
    bot.settle()
    channel = bot.standin.wait_for(lambda s: s.channel_by_name("rr-2026-001"), message="case channel").id
    # The CSC lead also leads education. Pressing the police line, they are asked which of theirs.
    csc = bot.user("csc.lead")
    csc.click("signoff", channel_id=channel, value="2026-001|police")
    form = bot.form(csc, "sign_off")
    assert [b.get("block_id") for b in form.view["blocks"] if b["type"] == "input"] == ["agency", "comment"]
    assert csc.submit(form.id, {"agency": "education"}).json is None
    bot.settle()
    # Pressing their own line needs no question.
    csc.click("signoff", channel_id=channel, value="2026-001|csc")
    form = bot.form(csc, "sign_off")
    assert [b.get("block_id") for b in form.view["blocks"] if b["type"] == "input"] == ["comment"]
    csc.submit(form.id, {})
    bot.settle()
    with bot.services.database.transaction() as session:
        assert sorted(session.scalars(select(SignOff.agency_key))) == ["csc", "education"]
    assert "[Sign off]" in bot.text(bot.standin.messages(channel)[0])  # police still to sign


def test_double_endorsement_counts_once(bot: RunningBot):
    channel = start_review(bot)
    for lead, agency in (("police.lead", "police"), ("csc.lead", "csc"), ("health.lead", "health")):
        person = bot.user(lead)
        person.click("signoff", channel_id=channel, value=f"2026-001|{agency}")
        person.submit(bot.form(person, "sign_off").id, {})
        bot.settle()
    chair = bot.user("pprg.chair")
    bot.standin.wait_for(lambda s: any("Decision on next steps" in bot.text(m) for m in s.messages(channel)))
    chair.click("decide_no_further_review", channel_id=channel)
    chair.submit(bot.form(chair, "decide").id, {"rationale": "Single-agency learning only."})
    bot.settle()
    delegate = bot.user("la.delegate")
    bot.standin.wait_for(lambda s: s.dms("U01LADSP"), message="endorse card")
    results = []
    threads = [threading.Thread(target=lambda: results.append(delegate.click("endorse"))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.settle()
    assert count(bot, Endorsement) == 1
    assert case(bot).stage == "awaiting_endorsement"
    # The police delegate cannot endorse for the local authority.
    police_delegate = bot.user("police.delegate")
    bot.standin.wait_for(lambda s: s.dms("U01POLDSP"))
    police_delegate.click("endorse", value="2026-001|police")
    bot.settle()
    assert count(bot, Endorsement) == 2


def test_when_slack_refuses_a_private_channel_none_is_made_and_start_stays(bot: RunningBot):
    refer(bot)
    chair = bot.user("pprg.chair")
    bot.standin.error("conversations.create", "restricted_action")
    chair.click("triage_start", channel_id=PPRG)
    chair.submit(bot.form(chair, "start_review").id, {"notified_on": "2026-01-05"})
    bot.settle()
    dm = bot.standin.wait_for(lambda s: s.dms("U01CHAIR"), message="the chair is told")
    assert "`restricted_action`" in bot.text(dm[-1]) and "no public channel" in bot.text(dm[-1])
    assert not [c for c in bot.standin.channels.values() if c.name.startswith("rr-")]
    assert case(bot).stage == "referred"
    assert "[Start rapid review]" in bot.text(bot.standin.messages(PPRG)[0])
    # Pressed again once it is fixed: the review starts.
    chair.click("triage_start", channel_id=PPRG)
    chair.submit(bot.form(chair, "start_review").id, {"notified_on": "2026-01-05"})
    bot.settle()
    assert bot.standin.wait_for(lambda s: s.channel_by_name("rr-2026-001")).is_private
    assert case(bot).stage == "rapid_review"


def test_a_taken_channel_name_gets_the_next_suffix(bot: RunningBot):
    bot.standin.add_channel("C0TAKEN", "rr-2026-001", is_private=False, members=["U01CHAIR"])
    refer(bot)
    chair = bot.user("pprg.chair")
    chair.click("triage_start", channel_id=PPRG)
    chair.submit(bot.form(chair, "start_review").id, {"notified_on": "2026-01-05"})
    bot.settle()
    channel = bot.standin.wait_for(lambda s: s.channel_by_name("rr-2026-001-2"), message="the next free name")
    assert channel.is_private and case(bot).channel_id == channel.id
    assert bot.standin.channels["C0TAKEN"].messages == []


def test_criteria_not_met_closes_the_referral_with_its_reason(bot: RunningBot):
    refer(bot)
    manager = bot.user("business.manager")
    manager.click("triage_not_met", channel_id=PPRG)
    form = bot.form(manager, "not_met")
    assert manager.submit(form.id, {"reason": "  "}).json["errors"] == {
        "reason": "Give the reason the criteria are not met."
    }
    assert manager.submit(form.id, {"reason": "No abuse or neglect suspected <!here>."}).json is None
    bot.settle()
    card = bot.text(bot.standin.messages(PPRG)[0])
    assert "Criteria not met." in card and "local learning" in card and "[Start rapid review]" not in card
    assert "No abuse or neglect suspected <!here>." in card  # shown as typed, never a ping
    assert "<!here>" not in json.dumps(bot.standin.messages(PPRG)[0].blocks)
    assert case(bot).closed_reason == "criteria_not_met"
    assert bot.standin.wait_for(lambda s: [m for m in s.dms("U01POLICE") if "not met" in bot.text(m)])
    # Closed: the buttons are gone, and a stale button press changes nothing.
    listing = bot.user("pprg.chair").command("/cspr", "list", channel_id=GENERAL).json
    assert "2026-001" not in json.dumps(listing)


def test_need_more_information_asks_the_referrer(bot: RunningBot):
    refer(bot)
    chair = bot.user("pprg.chair")
    chair.click("triage_more_info", channel_id=PPRG)
    chair.submit(bot.form(chair, "more_info").id, {"question": "Was a skeletal survey done?"})
    bot.settle()
    question = bot.standin.wait_for(lambda s: [m for m in s.dms("U01POLICE") if "skeletal survey" in bot.text(m)])
    assert "@pprg.chair" in bot.text(question[0])
    assert count(bot, InfoRequest) == 1
    card = bot.text(bot.standin.messages(PPRG)[0])
    assert "More information asked of the referrer by @pprg.chair" in card and "[Start rapid review]" in card


def test_add_agency_in_the_case_channel(bot: RunningBot):
    channel = start_review(bot)
    police = bot.user("police.lead")
    usage = police.command("/cspr", "add-agency", channel_id=channel).json
    assert "`education` (Education)" in json.dumps(usage)
    outsider_answer = bot.user("pprg.chair").command("/cspr", "add-agency fire", channel_id=channel).json
    assert "Usage: /cspr add-agency" in json.dumps(outsider_answer)
    assert "Added Education" in json.dumps(police.command("/cspr", "add-agency education", channel_id=channel).json)
    bot.settle()
    bot.standin.wait_for(lambda s: "U01EDU" in s.channels[channel].members, message="education invited")
    assert "*Education*" in bot.text(bot.standin.messages(channel)[0])
    elsewhere = police.command("/cspr", "add-agency education", channel_id=GENERAL).json
    assert "in the case's channel" in json.dumps(elsewhere)


def test_status_in_the_case_channel_and_the_home_tab(bot: RunningBot):
    channel = start_review(bot)
    status = bot.user("csc.lead").command("/cspr", "status", channel_id=channel).json
    assert "Rapid review 2026-001" in json.dumps(status)
    bot.user("csc.lead").open_home()
    home = bot.standin.wait_for(lambda s: s.home_views.get("U01CSC"), message="the home tab")
    text = json.dumps(home.view)
    assert "lead for Children's Social Care" in text.replace("\\u0027", "'")
    assert "sign off for Children" in text.replace("\\u0027", "'")


def test_a_listener_failure_gives_a_reference_not_a_stack_trace(bot: RunningBot, monkeypatch, caplog):
    from bot.usecases import queries

    def broken(work, actor):
        raise RuntimeError("boom")

    monkeypatch.setattr(queries, "open_cases", broken)
    answer = bot.user("pprg.chair").command("/cspr", "list", channel_id=GENERAL)
    assert answer.status == 200
    text = json.dumps(answer.json)
    assert "Something went wrong (reference " in text and "boom" not in text and "Traceback" not in text
    assert any("failed, reference" in record.getMessage() for record in caplog.records)

"""Attacks through the bot's real HTTP endpoint: forged requests, double and concurrent
submissions, people who are not allowed, and mentions or links typed into every free-text field."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.standin.payloads import person, team
from bot.standin.people import Response
from storage.models import (
    AuditEvent,
    Card,
    Case,
    CaseAgency,
    Claim,
    Decision,
    Endorsement,
    InfoRequest,
    OutboxMessage,
    ProcessedEvent,
    SignOff,
)
from tests.conftest import GENERAL, SIGNING_SECRET, RunningBot
from tests.test_rapid_review_story import PPRG, REFERRAL

FORM = "application/x-www-form-urlencoded"
FAILURE = "Something went wrong"
PINGS = ("<!channel>", "<!here>", "<@U0EVIL>", "<https://x.example")
DELEGATES = {"U01LADSP": "local_authority", "U01ICBDSP": "icb", "U01POLDSP": "police"}


# --- helpers -------------------------------------------------------------------------------


def rows(bot: RunningBot, model, *where) -> int:
    with bot.services.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def audited(bot: RunningBot, action: str, case_ref: str | None = None) -> int:
    where = [AuditEvent.action == action]
    if case_ref:
        where.append(AuditEvent.case_id == select(Case.id).where(Case.ref == case_ref).scalar_subquery())
    return rows(bot, AuditEvent, *where)


def case_row(bot: RunningBot, ref: str) -> Case:
    with bot.services.database.transaction() as session:
        found = session.scalars(select(Case).where(Case.ref == ref)).one()
        session.expunge(found)
        return found


def stored(bot: RunningBot) -> dict[str, Any]:
    """Everything the bot keeps, by table, and each case's state."""
    with bot.services.database.transaction() as session:
        counts = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (
                Case,
                CaseAgency,
                SignOff,
                Decision,
                Endorsement,
                InfoRequest,
                OutboxMessage,
                Claim,
                AuditEvent,
                ProcessedEvent,
            )
        }
        counts["card_versions"] = session.scalar(select(func.coalesce(func.sum(Card.version), 0)))
        cases = [
            (c.ref, c.stage, c.notified_on, c.channel_id, c.closure_note, c.sent_to_panel_on)
            for c in session.scalars(select(Case).order_by(Case.id))
        ]
    return {"counts": counts, "cases": cases}


def on_slack(bot: RunningBot) -> dict[str, Any]:
    """What is on screen in Slack: every message (with its edits) and every modal ever opened."""
    return {
        "messages": {
            cid: [(m.ts, m.text, len(m.edits)) for m in bot.standin.messages(cid)] for cid in bot.standin.channels
        },
        "views": sorted(bot.standin.views),
        "channels": sorted(bot.standin.channels),
    }


def newest_audit_id(bot: RunningBot) -> int:
    with bot.services.database.transaction() as session:
        return session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))


def audit_since(bot: RunningBot, after: int) -> list[tuple[str, str, dict]]:
    with bot.services.database.transaction() as session:
        return [
            (e.actor, e.action, e.detail)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id))
        ]


def ephemerals_for(bot: RunningBot, user_id: str) -> list[str]:
    return [bot.standin.workspace.readable(e.blocks, e.text) for e in bot.standin.ephemerals if e.user == user_id]


def race(*calls: Callable[[], Response]) -> list[Response]:
    """Run the calls at the same instant; a copy the stand-in could no longer send is skipped
    (the person's form had already closed)."""
    start = threading.Barrier(len(calls))
    answers: list[Response] = []

    def run(call: Callable[[], Response]) -> None:
        start.wait()
        try:
            answers.append(call())
        except LookupError:
            pass

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def assert_answered(answers: list[Response]) -> None:
    assert answers
    for answer in answers:
        assert answer.status == 200, answer
        assert FAILURE not in answer.body


def post_payload(bot: RunningBot, payload: dict) -> Response:
    return bot.standin.post_signed(urlencode({"payload": json.dumps(payload)}).encode(), FORM)


def state_of(view: dict, values: dict[str, Any]) -> dict:
    """Slack's `state.values` for the given inputs, without the client's own checks (max_length,
    options), as a hand-made request can send them."""
    state: dict = {}
    for block in view["blocks"]:
        if block.get("type") != "input" or block["block_id"] not in values:
            continue
        element, value = block["element"], values[block["block_id"]]
        kind = element["type"]
        option = lambda v: {"text": {"type": "plain_text", "text": str(v)}, "value": v}  # noqa: E731
        if kind == "plain_text_input":
            entry = {"type": kind, "value": value}
        elif kind == "datepicker":
            entry = {"type": kind, "selected_date": value}
        elif kind in ("static_select", "radio_buttons"):
            entry = {"type": kind, "selected_option": None if value is None else option(value)}
        else:
            entry = {"type": kind, "selected_options": [option(v) for v in value]}
        state[block["block_id"]] = {element["action_id"]: entry}
    return state


def forge_submission(
    bot: RunningBot, user_id: str, view: dict, values: dict[str, Any], *, metadata: dict | None = None
) -> Response:
    """A view_submission for a form someone opened, sent as `user_id`."""
    sent = copy.deepcopy(view)
    sent["state"] = {"values": state_of(view, values)}
    if metadata is not None:
        sent["private_metadata"] = json.dumps(metadata)
    return bot.standin.user(user_id).send_submission(sent)


def forge_click(bot: RunningBot, user_id: str, action_id: str, value: str, channel_id: str) -> Response:
    """A button press on a message the person cannot see (a delegate's DM, say)."""
    ws = bot.standin.workspace
    with ws.cond:
        payload = {
            "type": "block_actions",
            "user": person(ws, user_id),
            "api_app_id": ws.app_id,
            "token": bot.standin.verification_token,
            "trigger_id": ws.issue_trigger(user_id),
            "team": team(ws),
            "container": {
                "type": "message",
                "message_ts": "1700000000.000100",
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "channel": {"id": channel_id, "name": "directmessage"},
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "forged",
                    "value": value,
                    "text": {"type": "plain_text", "text": "x"},
                    "action_ts": f"{time.time():.6f}",
                }
            ],
            "response_url": bot.standin.response_url(ws.issue_response_url(user_id, channel_id)),
        }
    return post_payload(bot, payload)


def refer(bot: RunningBot, values: dict | None = None) -> str:
    police = bot.user("police.lead")
    police.command("/cspr", "refer", channel_id=GENERAL)
    answer = police.submit(bot.form(police, "referral").id, values or REFERRAL)
    assert answer.status == 200 and answer.json is None, answer.body
    bot.settle()
    with bot.services.database.transaction() as session:
        return session.scalar(select(Case.ref).order_by(Case.id.desc()).limit(1))


def start(bot: RunningBot, ref: str) -> str:
    chair = bot.user("pprg.chair")
    chair.click("triage_start", channel_id=PPRG, value=ref)
    assert chair.submit(bot.form(chair, "start_review").id, {"notified_on": "2026-01-05"}).json is None
    bot.settle()
    return bot.standin.wait_for(lambda s: s.channel_by_name(f"rr-{ref}"), message="the case channel").id


def sign(bot: RunningBot, channel: str, lead: str, agency: str, comment: str = "") -> None:
    person_ = bot.user(lead)
    person_.click("signoff", channel_id=channel, value=f"2026-001|{agency}")
    assert person_.submit(bot.form(person_, "sign_off").id, {"comment": comment} if comment else {}).json is None
    bot.settle()


def texts_of(bot: RunningBot, channel: str, needle: str) -> list[str]:
    return [t for t in (bot.text(m) for m in bot.standin.messages(channel)) if needle in t]


def dm_texts(bot: RunningBot, user_id: str, needle: str) -> list[str]:
    return [t for t in (bot.text(m) for m in bot.standin.dms(user_id)) if needle in t]


def no_failures_shown(bot: RunningBot) -> None:
    shown = json.dumps([[e.text, e.blocks] for e in bot.standin.ephemerals]) + json.dumps(
        [p.payload for p in bot.standin.responses]
    )
    assert FAILURE not in shown


# --- forged requests -----------------------------------------------------------------------


def test_forged_stale_future_and_tampered_requests_get_401_and_change_nothing(bot: RunningBot):
    refer(bot)
    chair = bot.user("pprg.chair")
    chair.click("triage_not_met", channel_id=PPRG)
    form = bot.form(chair, "not_met")
    ws = bot.standin.workspace
    with ws.cond:
        closing = {
            "type": "view_submission",
            "team": team(ws),
            "user": person(ws, "U01CHAIR"),
            "api_app_id": ws.app_id,
            "token": bot.standin.verification_token,
            "trigger_id": ws.issue_trigger("U01CHAIR"),
            "view": {**form.view, "state": {"values": state_of(form.view, {"reason": "No abuse suspected."})}},
        }
    body = urlencode({"payload": json.dumps(closing)}).encode()
    command = urlencode(
        {
            "command": "/cspr",
            "text": "refer",
            "user_id": "U01CHAIR",
            "channel_id": GENERAL,
            "team_id": "T0CSPR",
            "trigger_id": ws.issue_trigger("U01CHAIR"),
            "response_url": bot.standin.response_url(ws.issue_response_url("U01CHAIR", GENERAL)),
        }
    ).encode()
    event = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0CSPR",
            "api_app_id": "A0CSPR",
            "event_id": "Ev0FORGED1",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": "U01CHAIR", "tab": "home"},
        }
    ).encode()
    bot.settle()
    before, calls_before = (stored(bot), on_slack(bot)), len(bot.standin.calls)

    signed = SignatureVerifier(SIGNING_SECRET).generate_signature
    now = int(time.time())
    for data, kind in ((body, FORM), (command, FORM), (event, "application/json")):
        attempts = {
            "forged signature": dict(signature="v0=" + "0" * 64),
            "signed with another secret": dict(
                signature=SignatureVerifier("not-the-secret").generate_signature(timestamp=str(now), body=data)
            ),
            "no signature headers": dict(omit_headers=True),
            "older than 5 minutes": dict(
                timestamp=now - 5 * 60 - 30, signature=signed(timestamp=str(now - 5 * 60 - 30), body=data)
            ),
            "more than 5 minutes ahead": dict(
                timestamp=now + 5 * 60 + 30, signature=signed(timestamp=str(now + 5 * 60 + 30), body=data)
            ),
            "valid signature over another body": dict(
                timestamp=now, signature=signed(timestamp=str(now), body=data + b"&tampered=1")
            ),
        }
        for name, forged in attempts.items():
            answer = bot.standin.post_signed(data, kind, **forged)
            assert answer.status == 401, (name, data[:40], answer.status)
    bot.settle()
    assert (stored(bot), on_slack(bot)) == before
    assert len(bot.standin.calls) == calls_before  # nothing reached Slack's Web API either

    # The very same request, genuinely signed, is acted on: the 401s were not for its content.
    assert bot.standin.post_signed(body, FORM).status == 200
    bot.settle()
    assert case_row(bot, "2026-001").closed_reason == "criteria_not_met"
    assert bot.standin.post_signed(event, "application/json").status == 200
    bot.settle()
    assert rows(bot, ProcessedEvent) == before[0]["counts"]["processed_events"] + 1


def test_a_timestamp_that_is_not_a_number_is_refused_like_any_forgery(bot: RunningBot, caplog):
    refer(bot)
    before = stored(bot), on_slack(bot)
    body = urlencode({"command": "/cspr", "text": "list", "user_id": "U01CHAIR", "channel_id": GENERAL}).encode()
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp="soon", body=body)
    answer = bot.standin.post_signed(body, FORM, timestamp="soon", signature=signature)
    bot.settle()
    assert (stored(bot), on_slack(bot)) == before
    assert answer.status == 401, f"answered HTTP {answer.status}"
    assert not [r for r in caplog.records if r.levelname == "ERROR"], "an unsigned request logged an error"


# --- double and concurrent submissions ------------------------------------------------------


def test_each_triage_form_sent_twice_or_at_once_takes_effect_once(bot: RunningBot):
    police, chair, manager = bot.user("police.lead"), bot.user("pprg.chair"), bot.user("business.manager")

    # Referral: the same form submitted three times at once, then redelivered three times at once.
    police.command("/cspr", "refer", channel_id=GENERAL)
    form = bot.form(police, "referral")
    answers = race(*[lambda: police.submit(form.id, REFERRAL)] * 3)
    answers += race(*[police.resend_last] * 3)
    bot.settle()
    assert_answered(answers)
    assert rows(bot, Case) == 1 and audited(bot, "referred") == 1
    assert len(bot.standin.messages(PPRG)) == 1  # one triage card
    assert len(dm_texts(bot, "U01POLICE", "Your referral")) == 1
    for _ in range(3):
        refer(bot)  # 2026-002, -003, -004

    # Start rapid review: the chair's and the business manager's forms, each sent twice, racing.
    chair.click("triage_start", channel_id=PPRG, value="2026-001")
    chair_form = bot.form(chair, "start_review")
    manager.click("triage_start", channel_id=PPRG, value="2026-001")
    manager_form = bot.form(manager, "start_review")
    answers = race(*[lambda: chair.submit(chair_form.id, {})] * 2, *[lambda: manager.submit(manager_form.id, {})] * 2)
    answers += race(chair.resend_last, manager.resend_last, chair.resend_last)
    bot.settle()
    assert_answered(answers)
    assert [c.name for c in bot.standin.channels.values() if c.name.startswith("rr-")] == ["rr-2026-001"]
    assert len([c for c in bot.standin.calls if c.method == "conversations.create" and c.ok]) == 1
    assert audited(bot, "review_started") == 1 and audited(bot, "channel_created") == 1
    assert rows(bot, OutboxMessage, OutboxMessage.kind == "open_channel") == 1
    assert case_row(bot, "2026-001").stage == "rapid_review"
    channel = bot.standin.channel_by_name("rr-2026-001").id
    assert len(texts_of(bot, channel, "Rapid review 2026-001")) == 1  # one pinned case card

    # Criteria not met: two forms with different reasons, each sent twice, racing.
    chair.click("triage_not_met", channel_id=PPRG, value="2026-002")
    chair_form = bot.form(chair, "not_met")
    manager.click("triage_not_met", channel_id=PPRG, value="2026-002")
    manager_form = bot.form(manager, "not_met")
    answers = race(
        *[lambda: chair.submit(chair_form.id, {"reason": "Reason A"})] * 2,
        *[lambda: manager.submit(manager_form.id, {"reason": "Reason B"})] * 2,
    )
    answers += race(chair.resend_last, manager.resend_last)
    bot.settle()
    assert_answered(answers)
    closed = case_row(bot, "2026-002")
    assert closed.closed_reason == "criteria_not_met" and closed.closure_note in ("Reason A", "Reason B")
    assert audited(bot, "criteria_not_met") == 1
    assert len(dm_texts(bot, "U01POLICE", "the criteria for a rapid review are")) == 1

    # Need more information: one form sent three times at once, then redelivered.
    chair.click("triage_more_info", channel_id=PPRG, value="2026-003")
    form = bot.form(chair, "more_info")
    answers = race(*[lambda: chair.submit(form.id, {"question": "Was a skeletal survey done?"})] * 3)
    answers += race(*[chair.resend_last] * 3)
    bot.settle()
    assert_answered(answers)
    assert rows(bot, InfoRequest) == 1 and audited(bot, "information_requested") == 1
    assert len(dm_texts(bot, "U01POLICE", "skeletal survey")) == 1

    # Start and Criteria not met on one referral at the same instant: exactly one of them wins.
    chair.click("triage_start", channel_id=PPRG, value="2026-004")
    start_form = bot.form(chair, "start_review")
    manager.click("triage_not_met", channel_id=PPRG, value="2026-004")
    close_form = bot.form(manager, "not_met")
    answers = race(lambda: chair.submit(start_form.id, {}), lambda: manager.submit(close_form.id, {"reason": "No."}))
    bot.settle()
    assert_answered(answers)
    outcome = case_row(bot, "2026-004")
    started, closed = bot.standin.channel_by_name("rr-2026-004") is not None, outcome.closed_reason is not None
    assert started != closed
    assert audited(bot, "review_started", "2026-004") + audited(bot, "criteria_not_met", "2026-004") == 1
    no_failures_shown(bot)


def test_each_review_form_and_endorse_sent_twice_or_at_once_takes_effect_once(bot: RunningBot):
    refer(bot)
    channel = start(bot, "2026-001")
    police, chair, manager = bot.user("police.lead"), bot.user("pprg.chair"), bot.user("business.manager")

    # Sign-off: one form raced and redelivered.
    police.click("signoff", channel_id=channel, value="2026-001|police")
    form = bot.form(police, "sign_off")
    answers = race(*[lambda: police.submit(form.id, {"comment": "returned"})] * 3)
    answers += race(*[police.resend_last] * 3)
    # Two leads of one agency, each with their own form, racing.
    health, health2 = bot.user("health.lead"), bot.user("health.lead2")
    health.click("signoff", channel_id=channel, value="2026-001|health")
    health_form = bot.form(health, "sign_off")
    health2.click("signoff", channel_id=channel, value="2026-001|health")
    health2_form = bot.form(health2, "sign_off")
    answers += race(
        *[lambda: health.submit(health_form.id, {"comment": "one"})] * 2,
        *[lambda: health2.submit(health2_form.id, {"comment": "two"})] * 2,
    )
    answers += race(health.resend_last, health2.resend_last)
    bot.settle()
    assert_answered(answers)
    with bot.services.database.transaction() as session:
        assert sorted(session.scalars(select(SignOff.agency_key))) == ["health", "police"]
    assert audited(bot, "signed_off") == 2
    card = bot.text(bot.standin.messages(channel)[0])
    assert card.count("Signed off by") == 2 and card.count("[Sign off]") == 1
    sign(bot, channel, "csc.lead", "csc")
    assert len(texts_of(bot, channel, "Decision on next steps")) == 1

    # Decide: two forms of the chair's (two outcomes) racing, then redelivered.
    chair.click("decide_local_cspr", channel_id=channel)
    first = bot.form(chair, "decide").view
    chair.click("decide_no_further_review", channel_id=channel)
    second = bot.standin.wait_for(
        lambda s: [
            v for v in s.views.values() if v.is_open and v.view.get("callback_id") == "decide" and v.id != first["id"]
        ],
        message="the second decide form",
    )[0]
    answers = race(
        *[lambda: forge_submission(bot, "U01CHAIR", first, {"rationale": "Because A."})] * 2,
        *[lambda: chair.submit(second.id, {"rationale": "Because B."})] * 2,
    )
    answers += race(chair.resend_last, chair.resend_last)
    bot.settle()
    assert_answered(answers)
    with bot.services.database.transaction() as session:
        decisions = [(d.outcome, d.rationale) for d in session.scalars(select(Decision))]
    assert decisions in ([("local_cspr", "Because A.")], [("no_further_review", "Because B.")])
    assert audited(bot, "recommended") == 1
    for user_id in DELEGATES:
        assert len(bot.standin.wait_for(lambda s, u=user_id: s.dms(u), message="endorse card")) == 1

    # Endorse: one delegate's button pressed three times at once and redelivered...
    la = bot.user("la.delegate")
    answers = race(*[lambda: la.click("endorse")] * 3)
    answers += race(*[la.resend_last] * 3)
    bot.settle()
    assert_answered(answers)
    assert rows(bot, Endorsement) == 1 and case_row(bot, "2026-001").stage == "awaiting_endorsement"
    # ...then the last two delegates endorse at the same instant: the decision is final once.
    icb, police_delegate = bot.user("icb.delegate"), bot.user("police.delegate")
    answers = race(
        lambda: icb.click("endorse"),
        lambda: police_delegate.click("endorse"),
        lambda: icb.click("endorse"),
        lambda: police_delegate.click("endorse"),
    )
    answers += race(icb.resend_last, police_delegate.resend_last)
    bot.settle()
    assert_answered(answers)
    with bot.services.database.transaction() as session:
        assert sorted(session.scalars(select(Endorsement.partner))) == sorted(DELEGATES.values())
    assert audited(bot, "endorsed") == 3 and audited(bot, "decision_final") == 1
    assert case_row(bot, "2026-001").stage == "decided"
    assert len(texts_of(bot, PPRG, "Decision for rapid review 2026-001")) == 1
    assert len(texts_of(bot, channel, "Decision for rapid review 2026-001")) == 1

    # Mark sent to the Panel: the chair's and the business manager's forms racing, redelivered.
    chair.click("mark_sent", channel_id=channel)
    chair_form = bot.form(chair, "mark_sent")
    manager.click("mark_sent", channel_id=channel)
    manager_form = bot.form(manager, "mark_sent")
    answers = race(
        *[lambda: chair.submit(chair_form.id, {"sent_on": "2026-01-05"})] * 2,
        *[lambda: manager.submit(manager_form.id, {"sent_on": "2026-01-05"})] * 2,
    )
    answers += race(chair.resend_last, manager.resend_last)
    bot.settle()
    assert_answered(answers)
    assert audited(bot, "sent_to_panel") == 1
    assert len(texts_of(bot, PPRG, "was sent to the Panel on")) == 1
    assert len(texts_of(bot, channel, "was sent to the Panel on")) == 1
    no_failures_shown(bot)


# --- people who are not allowed -------------------------------------------------------------


def assert_refused(bot: RunningBot, user_id: str, act: Callable[[], Response], *, field_error: bool = False) -> None:
    """One refused attempt: the person is told, the attempt is audited, nothing else changes."""
    bot.settle()
    before_db, before_slack = stored(bot), on_slack(bot)
    told_before = len(ephemerals_for(bot, user_id))
    last_audit = newest_audit_id(bot)
    answer = act()
    bot.settle()
    assert answer.status == 200 and FAILURE not in answer.body
    new = audit_since(bot, last_audit)
    assert [(actor, action) for actor, action, _ in new] == [(user_id, "refused")], (
        f"audited {new}; answered {answer.body[:200]!r}; told {ephemerals_for(bot, user_id)[told_before:]}"
    )
    after_db = stored(bot)
    after_db["counts"]["audit_events"] -= 1
    assert after_db == before_db
    assert on_slack(bot) == before_slack  # no form opened, no message posted or edited
    if field_error:
        errors = (answer.json or {}).get("errors") if (answer.json or {}).get("response_action") == "errors" else None
        told = list((errors or {}).values()) + ephemerals_for(bot, user_id)[told_before:]
    else:
        told = ephemerals_for(bot, user_id)[told_before:]
    assert len(told) == 1 and told[0].strip(), (user_id, told)


def test_people_not_allowed_are_refused_audited_and_change_nothing(bot: RunningBot):
    refer(bot)
    ws = bot.standin.workspace
    outsider, police = "U0OUTSIDER", "U01POLICE"

    # Triage buttons, by someone in the PPRG channel who is neither chair nor business manager.
    for action in ("triage_start", "triage_not_met", "triage_more_info"):
        assert_refused(bot, outsider, lambda a=action: bot.user(outsider).click(a, channel_id=PPRG))
    # Triage forms a chair opened, submitted by hand as someone else.
    chair = bot.user("pprg.chair")
    for action, callback, values in (
        ("triage_not_met", "not_met", {"reason": "Not met."}),
        ("triage_more_info", "more_info", {"question": "Who?"}),
        ("triage_start", "start_review", {"notified_on": "2026-01-05"}),
    ):
        chair.click(action, channel_id=PPRG)
        view = bot.form(chair, callback).view
        for user_id in (outsider, police, "U01LADSP"):
            assert_refused(
                bot, user_id, lambda u=user_id, v=view, vs=values: forge_submission(bot, u, v, vs), field_error=True
            )
    assert chair.submit(chair.last_view("start_review").id, {}).json is None
    bot.settle()
    channel = bot.standin.wait_for(lambda s: s.channel_by_name("rr-2026-001"), message="case channel").id
    with ws.cond:
        ws.channels[channel].members.add(outsider)  # someone added to the channel by hand

    # Sign off: pressed by people who lead no outstanding agency.
    for user_id in ("U01BIZMGR", "U01CHAIR", outsider):
        assert_refused(
            bot, user_id, lambda u=user_id: bot.user(u).click("signoff", channel_id=channel, value="2026-001|police")
        )
    lead = bot.user("police.lead")
    lead.click("signoff", channel_id=channel, value="2026-001|police")
    view = bot.form(lead, "sign_off").view
    for user_id in ("U01CSC", "U01BIZMGR", outsider, "U01EDU"):
        assert_refused(
            bot, user_id, lambda u=user_id: forge_submission(bot, u, view, {"comment": "x"}), field_error=True
        )
    # A lead signing for another agency on the same case by editing the form's metadata.
    metadata = {**json.loads(view["private_metadata"]), "agency": "csc"}
    assert_refused(bot, police, lambda: forge_submission(bot, police, view, {}, metadata=metadata), field_error=True)

    # Case commands by someone not in the case (and not in the partnership file).
    outsider_user = bot.user(outsider)
    for text, where in (
        ("status 2026-001", GENERAL),
        ("status", channel),
        ("list", GENERAL),
        ("add-agency education", channel),
        ("add-agency", channel),
    ):
        assert_refused(bot, outsider, lambda t=text, w=where: outsider_user.command("/cspr", t, channel_id=w))
    # Named in the partnership file, but the case does not involve their agency.
    assert_refused(bot, "U01EDU", lambda: bot.user("U01EDU").command("/cspr", "status 2026-001", channel_id=GENERAL))

    assert lead.submit(lead.last_view("sign_off").id, {}).json is None
    bot.settle()
    sign(bot, channel, "csc.lead", "csc")
    sign(bot, channel, "health.lead", "health")
    bot.standin.wait_for(lambda s: texts_of(bot, channel, "Decision on next steps"), message="decision card")

    # Decide: only a chair.
    for user_id, action in (
        ("U01BIZMGR", "decide_local_cspr"),
        ("U01BIZMGR", "decide_no_further_review"),
        ("U01BIZMGR", "decide_other_learning_review"),
        (police, "decide_possible_national_review"),
        (outsider, "decide_local_cspr"),
    ):
        assert_refused(bot, user_id, lambda u=user_id, a=action: bot.user(u).click(a, channel_id=channel))
    chair.click("decide_local_cspr", channel_id=channel)
    view = bot.form(chair, "decide").view
    for user_id in ("U01BIZMGR", police, outsider, "U01LADSP"):
        assert_refused(
            bot, user_id, lambda u=user_id: forge_submission(bot, u, view, {"rationale": "Mine."}), field_error=True
        )
    assert chair.submit(chair.last_view("decide").id, {"rationale": "Learning for all."}).json is None
    bot.settle()

    # Endorse: only the named delegate of that partner, whoever presses the button.
    for user_id in (outsider, "U01CHAIR", police, "U01POLDSP", "U01ICBDSP"):
        assert_refused(
            bot, user_id, lambda u=user_id: forge_click(bot, u, "endorse", "2026-001|local_authority", channel)
        )
    for user_id in DELEGATES:
        bot.standin.wait_for(lambda s, u=user_id: s.dms(u), message="endorse card")
        bot.user(user_id).click("endorse")
        bot.settle()
    assert case_row(bot, "2026-001").stage == "decided"

    # Mark sent to the Panel: only the chair or business manager.
    for user_id in (police, outsider, "U01CSC"):
        assert_refused(bot, user_id, lambda u=user_id: bot.user(u).click("mark_sent", channel_id=channel))
    manager = bot.user("business.manager")
    manager.click("mark_sent", channel_id=channel)
    view = bot.form(manager, "mark_sent").view
    for user_id in (police, outsider, "U01LADSP"):
        assert_refused(
            bot, user_id, lambda u=user_id: forge_submission(bot, u, view, {"sent_on": "2026-01-05"}), field_error=True
        )
    assert manager.submit(manager.last_view("mark_sent").id, {}).json is None
    bot.settle()
    assert case_row(bot, "2026-001").sent_to_panel_on is not None
    refused = [d for a, action, d in audit_since(bot, 0) if action == "refused"]
    assert {d.get("attempted") for d in refused} >= {
        "check_triage",
        "start_review",
        "criteria_not_met",
        "ask_for_information",
        "check_sign_off",
        "sign_off",
        "case_status",
        "open_cases",
        "add_agency",
        "check_decide",
        "decide",
        "endorse",
        "check_mark_sent",
        "mark_sent",
    }


def test_a_question_form_replayed_by_someone_else_after_it_was_sent_is_refused(bot: RunningBot):
    # The form's id is the question's idempotency key: a copy sent by anyone else after the
    # chair's question went must still be refused and audited, not answered "already sent".
    refer(bot)
    chair = bot.user("pprg.chair")
    chair.click("triage_more_info", channel_id=PPRG)
    view = bot.form(chair, "more_info").view
    assert chair.submit(view["id"], {"question": "Was a skeletal survey done?"}).json is None
    bot.settle()
    assert_refused(
        bot,
        "U0OUTSIDER",
        lambda: forge_submission(bot, "U0OUTSIDER", view, {"question": "Anything?"}),
        field_error=True,
    )


# --- mentions, links and oversized text ------------------------------------------------------

# Typed into every free-text field; control and bidi characters are dropped, the rest shown as typed.
TYPED = (
    "<!channel> <!here> <@U0EVIL> <https://x.example|y> &lt; &amp; a*b_c 😀 \u202eevil\u202c "
    "\u2067iso\u2069 \u200f\x07bell\x1b[0m\x00\r\nnext line"
)
SHOWN = "<!channel> <!here> <@U0EVIL> <https://x.example|y> &lt; &amp; a*b_c 😀 evil iso bell[0m\nnext line"


def padded(limit: int, marker: str = "") -> tuple[str, str]:
    """(what is sent, what is kept): exactly `limit` characters once cleaned, all of them escapable."""
    pad = "<" * (limit - len(marker + SHOWN))
    return marker + TYPED + pad, marker + SHOWN + pad


def everything_slack_received(bot: RunningBot, answers: list[Response]) -> str:
    standin = bot.standin
    return json.dumps(
        {
            "calls": [c.params for c in standin.calls],
            "responses": [p.payload for p in standin.responses],
            "ephemerals": [[e.text, e.blocks] for e in standin.ephemerals],
            "views": [v.view for v in standin.views.values()],
            "home": [v.view for v in standin.home_views.values()],
            "messages": [[m.text, m.blocks, m.edits] for c in standin.channels.values() for m in c.messages],
            "answers": [a.json for a in answers],
        },
        default=str,
        ensure_ascii=False,
    )


def oversized_sections(node: Any) -> list[int]:
    found: list[int] = []
    if isinstance(node, dict):
        if node.get("type") == "section":
            text = (node.get("text") or {}).get("text") or ""
            if len(text) > 3000:
                found.append(len(text))
            found += [len(f.get("text", "")) for f in node.get("fields") or [] if len(f.get("text", "")) > 2000]
        for value in node.values():
            found += oversized_sections(value)
    elif isinstance(node, list):
        for value in node:
            found += oversized_sections(value)
    return found


def assert_field_error(answer: Response, block: str) -> None:
    assert answer.status == 200 and answer.json and answer.json.get("response_action") == "errors", answer.body
    assert block in answer.json["errors"], answer.json


def test_mentions_links_and_oversized_text_in_every_field_show_as_typed(bot: RunningBot):
    standin, answers = bot.standin, []
    police, chair = bot.user("police.lead"), bot.user("pprg.chair")

    # Referral: identifier and summary never reach Slack; over-long ones are field errors.
    police.command("/cspr", "refer", channel_id=GENERAL)
    view = bot.form(police, "referral").view
    identifier_sent, identifier_kept = "Kzq<!here>😀\u202e\x07", "Kzq<!here>😀"
    summary_sent, summary_kept = padded(1500, marker="SUMMARY-7f3q ")
    too_long = forge_submission(
        bot, "U01POLICE", view, {**REFERRAL, "child_identifier": "K" * 21, "summary": summary_kept + "x"}
    )
    assert_field_error(too_long, "child_identifier")
    assert_field_error(too_long, "summary")
    assert rows(bot, Case) == 0
    answers.append(
        forge_submission(
            bot, "U01POLICE", view, {**REFERRAL, "child_identifier": identifier_sent, "summary": summary_sent}
        )
    )
    assert answers[-1].status == 200 and answers[-1].json is None, answers[-1].body
    bot.settle()
    referral = case_row(bot, "2026-001")
    assert (referral.child_identifier, referral.summary) == (identifier_kept, summary_kept)
    refer(bot)  # 2026-002

    # Criteria not met reason (2026-002).
    chair.click("triage_not_met", channel_id=PPRG, value="2026-002")
    view = bot.form(chair, "not_met").view
    reason_sent, reason_kept = padded(1000)
    assert_field_error(forge_submission(bot, "U01CHAIR", view, {"reason": reason_kept + "<"}), "reason")
    assert case_row(bot, "2026-002").stage == "referred"
    answers.append(forge_submission(bot, "U01CHAIR", view, {"reason": reason_sent}))
    assert answers[-1].json is None, answers[-1].body
    bot.settle()
    assert case_row(bot, "2026-002").closure_note == reason_kept
    triage_card = next(m for m in standin.messages(PPRG) if "Referral 2026-002" in bot.text(m))
    assert SHOWN in bot.text(triage_card)
    assert "&lt;!channel&gt;" in json.dumps(triage_card.blocks)

    # More-information question (2026-001).
    chair.click("triage_more_info", channel_id=PPRG, value="2026-001")
    view = bot.form(chair, "more_info").view
    question_sent, question_kept = padded(1000)
    assert_field_error(forge_submission(bot, "U01CHAIR", view, {"question": question_kept + "<"}), "question")
    assert rows(bot, InfoRequest) == 0
    answers.append(forge_submission(bot, "U01CHAIR", view, {"question": question_sent}))
    assert answers[-1].json is None, answers[-1].body
    bot.settle()
    with bot.services.database.transaction() as session:
        assert session.scalar(select(InfoRequest.question)) == question_kept
    assert len(dm_texts(bot, "U01POLICE", SHOWN)) == 1

    # Sign-off comment.
    channel = start(bot, "2026-001")
    police.click("signoff", channel_id=channel, value="2026-001|police")
    view = bot.form(police, "sign_off").view
    comment_sent, comment_kept = padded(500)
    assert_field_error(forge_submission(bot, "U01POLICE", view, {"comment": comment_kept + "<"}), "comment")
    assert rows(bot, SignOff) == 0
    answers.append(forge_submission(bot, "U01POLICE", view, {"comment": comment_sent}))
    assert answers[-1].json is None, answers[-1].body
    bot.settle()
    with bot.services.database.transaction() as session:
        assert session.scalar(select(SignOff.comment)) == comment_kept
    assert SHOWN in bot.text(standin.messages(channel)[0])
    sign(bot, channel, "csc.lead", "csc")
    sign(bot, channel, "health.lead", "health")

    # Decision rationale: on the decision card and each delegate's endorsement card.
    bot.standin.wait_for(lambda s: texts_of(bot, channel, "Decision on next steps"), message="decision card")
    chair.click("decide_local_cspr", channel_id=channel)
    view = bot.form(chair, "decide").view
    rationale_sent, rationale_kept = padded(2000)
    assert_field_error(forge_submission(bot, "U01CHAIR", view, {"rationale": rationale_kept + "<"}), "rationale")
    assert rows(bot, Decision) == 0
    answers.append(forge_submission(bot, "U01CHAIR", view, {"rationale": rationale_sent}))
    assert answers[-1].json is None, answers[-1].body
    bot.settle()
    with bot.services.database.transaction() as session:
        assert session.scalar(select(Decision.rationale)) == rationale_kept
    decision_card = texts_of(bot, channel, "Decision on next steps")
    assert len(decision_card) == 1 and SHOWN in decision_card[0]
    for user_id in DELEGATES:
        assert len(standin.wait_for(lambda s, u=user_id: dm_texts(bot, u, SHOWN), message="endorse card")) == 1

    # /cspr arguments, in a channel and in the case channel.
    typed = "<!channel> <!here> <@U0EVIL> <https://x.example|y> &lt; 😀"
    for text, where in (
        (f"{typed} " + "<!here>" * 600, GENERAL),
        (f"status {typed}", GENERAL),
        (f"add-agency {typed}", channel),
        ("add-agency <!channel>", channel),
        (f"frobnicate {typed}", GENERAL),
    ):
        answers.append(chair.command("/cspr", text, channel_id=where))
        assert answers[-1].status == 200 and FAILURE not in answers[-1].body
    assert typed in ephemerals_for(bot, "U01CHAIR")[-1]
    bot.user("csc.lead").open_home()
    bot.settle()

    received = everything_slack_received(bot, answers)
    for ping in PINGS:
        assert ping not in received, ping
    assert "&lt;!channel&gt;" in received and "&lt;@U0EVIL&gt;" in received
    assert "Kzq" not in received and "SUMMARY-7f3q" not in received  # never sent to Slack at all
    for bad in ("\u202e", "\u2067", "\u200f", "\x07", "\x1b", "\x00"):
        assert json.dumps(bad, ensure_ascii=False)[1:-1] not in received, repr(bad)
    refused = [(c.method, c.error) for c in standin.calls if c.method.startswith(("chat.", "views.")) and not c.ok]
    assert refused == []
    everything = [[m.blocks for m in c.messages] for c in standin.channels.values()]
    everything += [e.blocks for e in standin.ephemerals] + [v.view for v in standin.views.values()]
    everything += [a.json for a in answers if a.json]
    assert oversized_sections(everything) == []


def test_invisible_characters_and_oversized_arguments_never_reach_slack(bot: RunningBot):
    # Every bidi control goes, including the Arabic letter mark; echoed /cspr arguments are
    # cleaned like any other typed text; and a long but well-formed case reference still gets an
    # answer Slack accepts (a section is at most 3000 characters).
    refer(bot)
    chair = bot.user("pprg.chair")
    chair.click("triage_not_met", channel_id=PPRG)
    assert chair.submit(bot.form(chair, "not_met").id, {"reason": "Mark\u061c here"}).json is None
    bot.settle()
    answers = [
        chair.command("/cspr", "frobnicate \u202eevil\u202c \x1b[2J\x07", channel_id=GENERAL),
        chair.command("/cspr", "status 2026-" + "1" * 3100, channel_id=GENERAL),
    ]
    bot.settle()
    problems = []
    card = bot.text(bot.standin.messages(PPRG)[0])
    if "Mark here" not in card:
        problems.append(f"criteria-not-met reason shown as {card[card.find('Mark') :][:12]!r}")
    if any(ch in json.dumps(answers[0].json, ensure_ascii=False) for ch in "\u202e\u202c\x1b\x07"):
        problems.append(f"/cspr echoed control or bidi characters: {answers[0].json['text']!r}")
    if oversized := oversized_sections(answers[1].json):
        problems.append(f"/cspr status with a long reference answered a section of {oversized} characters")
    assert not problems, problems

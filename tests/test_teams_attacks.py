"""What can go wrong on Teams, through the real endpoint: forged tokens, people pressing what is
not theirs, tampered invokes, Graph refusing the case chat, 429s and dropped connections, and two
instances answering the same people."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.standin.teams import FORGERIES
from storage.models import Case, OutboxMessage, SignOff
from tests.teams_bot import (  # noqa: F401 - the fixture
    REFERRAL,
    TeamsBot,
    case_card,
    count,
    readable,
    refer,
    running_on_teams,
    stage_of,
    start_review,
    start_teams_instance,
)


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_request_without_a_valid_token_is_refused_and_nothing_of_it_is_logged(teams_bot: TeamsBot, forgery, caplog):
    police = teams_bot.user("police.lead")
    teams_bot.teams.forge_next(forgery)
    with caplog.at_level(logging.DEBUG):
        answer = police.say(f"refer {REFERRAL['summary']}")
    assert answer.status == 401
    teams_bot.settle()
    assert len(teams_bot.teams.dms(police.object_id)) == 0 or not teams_bot.dm_texts("police.lead")[1:]
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "Fractures" not in logged and "refused a request with 401" in logged


def test_a_lead_cannot_sign_off_for_another_agency_even_with_a_tampered_invoke(teams_bot: TeamsBot):
    refer(teams_bot)
    chat = start_review(teams_bot)
    health = teams_bot.user("health.lead")
    # The client only lets them press what their card shows; a tampered client sends anything.
    answer = health.send_invoke(
        "task/submit",
        {"data": {"form": "sign_off", "metadata": '{"ref": "2026-001", "agency": "police"}', "form_id": "f1"}},
        conversation_id=chat.id,
    )
    assert answer.status == 200 and "police" not in str(answer.json).lower() or "not" in str(answer.json)
    assert count(teams_bot, SignOff) == 0
    # Someone outside the partnership pressing a card's button by verb is refused as well.
    outsider = teams_bot.user("someone.else")
    refused = outsider.send_invoke(
        "adaptiveCard/action",
        {"action": {"type": "Action.Execute", "verb": "endorse", "data": {"value": "2026-001|police"}}},
    )
    assert refused.json["type"] == "application/vnd.microsoft.activity.message"
    assert stage_of(teams_bot) == "rapid_review"


def test_when_graph_refuses_the_chat_none_is_made_and_the_chair_is_told(teams_bot: TeamsBot):
    refer(teams_bot)
    teams_bot.teams.block_chat_creation()
    chair = teams_bot.user("pprg.chair")
    triage = teams_bot.teams.wait_for(
        lambda t: [a for a in t.activities(teams_bot.pprg) if "Referral 2026-001" in readable(a)]
    )
    chair.press("Start rapid review", conversation_id=teams_bot.pprg, activity_id=triage[0].id)
    chair.submit({"notified_on": "2026-01-05"})
    teams_bot.settle()
    assert teams_bot.teams.group_chats == []
    assert stage_of(teams_bot) == "referred"
    told = teams_bot.teams.wait_for(
        lambda t: [x for x in teams_bot.dm_texts("pprg.chair") if "2026-001" in x and "chat" in x.lower()]
    )
    assert told
    # Once the tenant allows it, pressing Start again makes the chat.
    teams_bot.teams.block_chat_creation(False)
    assert start_review(teams_bot).topic == "rr-2026-001"


def test_throttled_and_dropped_sends_arrive_once(teams_bot: TeamsBot):
    teams = teams_bot.teams
    teams.fail("send_activity", status=429, retry_after=1, times=2)
    refer(teams_bot)
    # The confirmation reached Teams but its answer was lost: it is looked for, not sent again.
    teams.drop("send_activity", after_processing=True)
    chat = start_review(teams_bot)
    teams_bot.clock.set(teams_bot.clock.now() + timedelta(minutes=5))
    teams_bot.services.delivery.drain(teams_bot.clock.now())
    cards = [a for a in teams.activities(chat.id) if "Rapid review 2026-001" in readable(a)]
    assert len(cards) == 1
    triage = [a for a in teams.activities(teams_bot.pprg) if "Referral 2026-001" in readable(a)]
    assert len(triage) == 1
    with teams_bot.services.database.transaction() as session:
        assert {m.status for m in session.query(OutboxMessage)} == {"sent"}
    operations = [call.operation for call in teams.calls]
    assert operations.count("send_activity") >= 1 and any(op.startswith("list_") for op in operations)
    assert [c.http_status for c in teams.calls if c.operation == "send_activity"].count(429) == 2


def test_two_instances_take_one_sign_off_from_a_double_click(teams_bot: TeamsBot, database_url, tmp_path):
    refer(teams_bot)
    chat = start_review(teams_bot)
    second = start_teams_instance(teams_bot.teams, database_url, tmp_path / "teams_partnership.yaml", teams_bot.clock)
    try:
        police = teams_bot.user("police.lead")
        card = case_card(teams_bot, chat.id)
        police.press("Sign off", conversation_id=chat.id, activity_id=card.id)
        police.submit({"comment": "Returned."})
        police.resend_last()  # the same submission again, now to the second instance
        teams_bot.settle()
        assert second.services.wait_idle(10)
    finally:
        second.stop()
    assert count(teams_bot, SignOff) == 1
    assert count(teams_bot, Case) == 1


def test_someone_added_to_a_case_chat_who_is_not_named_for_it_is_reported_once(teams_bot: TeamsBot):
    refer(teams_bot)
    chat = start_review(teams_bot)
    police = teams_bot.user("police.lead")
    stranger = teams_bot.user("someone.else")
    police.add_to_chat(chat.id, stranger.object_id)
    police.resend_last()  # Teams delivers it again
    teams_bot.settle()
    reports = [text for text in teams_bot.texts(chat.id) if "someone.else" in text and "not named" in text]
    assert len(reports) == 1

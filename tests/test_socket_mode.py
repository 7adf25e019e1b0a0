"""`cspr-bot serve --socket`: the bot's own Socket Mode client against the stand-in's WebSocket,
over loopback: hello, envelopes and their acknowledgements, redelivery, reconnection, a refused
app-level token, and the whole rapid review told again with no HTTP endpoint at all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bot.partnership import Partnership
from bot.standin import SlackStandIn
from storage.models import AuditEvent, Case, SignOff
from tests import test_events as events
from tests import test_rapid_review_story as story
from tests.conftest import (
    BOT_TOKEN,
    GENERAL,
    PARTNERSHIP_FILE,
    RunningBot,
    make_standin,
    running_bot,
    start_socket_bot,
)
from tests.journey import CHAIR, click_and_submit, submit
from tests.test_cli import CSPR_BOT, run
from tests.test_rapid_review_story import PPRG, REFERRAL, count, refer

# Short enough to keep redelivery tests quick, long enough for the bot's acknowledgement on a busy machine.
ACK_TIMEOUT = 1.5


@pytest.fixture
def socket_bot(database_url: str, partnership: Partnership) -> Iterator[RunningBot]:
    """On SQLite and PostgreSQL, with Slack's own 3 s wait for acknowledgements."""
    with (
        make_standin(socket_mode=True) as standin,
        running_bot(start_socket_bot, standin, database_url, partnership) as bot,
    ):
        yield bot


@pytest.fixture
def quick_bot(tmp_path: Path, partnership: Partnership) -> Iterator[RunningBot]:
    """On SQLite, with an unacknowledged envelope sent again after ACK_TIMEOUT."""
    with (
        make_standin(socket_mode=True, ack_timeout=ACK_TIMEOUT) as standin,
        running_bot(start_socket_bot, standin, f"sqlite:///{tmp_path / 'cspr.db'}", partnership) as bot,
    ):
        yield bot


def envelopes_of(bot: RunningBot, envelope_id: str) -> list:
    return [e for e in bot.standin.socket.envelopes if e.envelope_id == envelope_id]


def open_case_channel(bot: RunningBot) -> str:
    refer(bot)
    click_and_submit(bot, CHAIR, "triage_start", "start_review", {"notified_on": "2026-01-05"}, channel_id=PPRG)
    return bot.standin.wait_for(lambda s: s.channel_by_name("rr-2026-001"), message="the case channel").id


def test_the_whole_rapid_review_over_socket_mode(socket_bot: RunningBot):
    assert socket_bot.standin.app_url is None  # nothing reaches the bot over HTTP
    story.test_the_whole_rapid_review(socket_bot)
    socket = socket_bot.standin.socket
    assert {e.type for e in socket.envelopes} == {"slash_commands", "interactive"}
    assert all(e.retry_attempt == 0 for e in socket.envelopes)  # each acknowledged at once


def test_hello_then_commands_clicks_and_forms_answered_in_acknowledgements(quick_bot: RunningBot):
    socket = quick_bot.standin.socket
    assert (socket.connections_opened, socket.open_connections) == (1, 1)
    hello = socket.hellos[0]
    assert hello["num_connections"] == 1 and hello["connection_info"] == {"app_id": "A0CSPR"}

    # A command's answer is the acknowledgement's payload, shown only to the person who typed it.
    chair = quick_bot.user(CHAIR)
    answer = chair.command("/cspr", "help", channel_id=GENERAL)
    command = socket.envelopes[-1]
    assert (command.type, command.accepts_response_payload, command.payload["text"]) == ("slash_commands", True, "help")
    assert "Using /cspr" in answer.json["text"]
    assert socket.acks[-1] == {"envelope_id": command.envelope_id, "payload": answer.json}
    shown = quick_bot.standin.responses[-1]
    assert shown.user == chair.id and "Using /cspr" in shown.payload["text"]

    # A form's field errors come back in the acknowledgement, and the form stays open showing them.
    police = quick_bot.user("police.lead")
    police.command("/cspr", "refer", channel_id=GENERAL)
    form = quick_bot.form(police, "referral")
    errors = police.submit(form.id, {**REFERRAL, "incident_on": "2026-02-01"}).json
    submission = socket.envelopes[-1]
    assert (submission.type, submission.payload["type"], submission.accepts_response_payload) == (
        "interactive",
        "view_submission",
        True,
    )
    assert socket.acks[-1]["payload"] == errors and set(errors["errors"]) == {"incident_on"}
    assert quick_bot.standin.views[form.id].is_open and quick_bot.standin.views[form.id].errors == errors["errors"]
    assert count(quick_bot, Case) == 0
    submit(quick_bot, "police.lead", "referral", REFERRAL)

    # A click is acknowledged with nothing to show; the form it opens comes through the Web API.
    chair.click("triage_start", channel_id=PPRG)
    click = socket.envelopes[-1]
    assert (click.payload["type"], click.accepts_response_payload) == ("block_actions", False)
    assert socket.acks[-1] == {"envelope_id": click.envelope_id}
    assert quick_bot.form(chair, "start_review")

    # So is an event; the Home tab it asks for is published through the Web API.
    chair.open_home()
    event = socket.envelopes[-1]
    assert (event.type, event.payload["event"]["type"], event.accepts_response_payload) == (
        "events_api",
        "app_home_opened",
        False,
    )
    assert quick_bot.standin.wait_for(lambda s: s.home_views.get(chair.id), message="the chair's Home tab")


def test_an_event_slack_sends_again_is_handled_once(quick_bot: RunningBot):
    # Bolt passes no retry_attempt on to the app in Socket Mode: the event's id is what tells.
    events.test_someone_added_by_hand_is_reported_once_however_often_slack_retries(quick_bot)
    joins = [e for e in quick_bot.standin.socket.envelopes if e.type == "events_api"]
    assert [(e.payload["event_id"], e.retry_attempt) for e in joins] == [
        ("Ev0001", 0),
        ("Ev0001", 1),
        ("Ev0001", 2),
        ("Ev0002", 0),
    ]
    assert {e.retry_reason for e in joins if e.retry_attempt} == {"http_timeout"}


def test_an_unacknowledged_sign_off_is_sent_again_and_counted_once(quick_bot: RunningBot):
    channel = open_case_channel(quick_bot)
    socket = quick_bot.standin.socket
    police = quick_bot.user("police.lead")
    police.click("signoff", channel_id=channel, value="2026-001|police")
    form = quick_bot.form(police, "sign_off")

    socket.lose_acks(1)  # the bot acknowledges; Slack never hears of it
    police.submit(form.id, {"comment": "police information returned"})
    quick_bot.settle()
    first, again, *_ = envelopes_of(quick_bot, socket.envelopes[-1].envelope_id)
    assert (first.retry_attempt, first.retry_reason) == (0, "")
    assert (again.retry_attempt, again.retry_reason) == (1, "timeout")
    assert again.payload == first.payload
    assert [a["envelope_id"] for a in socket.acks].count(first.envelope_id) == 2  # the bot took both

    assert count(quick_bot, SignOff) == 1
    with quick_bot.services.database.transaction() as session:
        assert session.query(AuditEvent).filter_by(action="signed_off").count() == 1
    card = quick_bot.text(quick_bot.standin.messages(channel)[0])
    assert card.count("Signed off by @police.lead") == 1


def test_the_bot_reconnects_when_slack_asks_and_when_the_connection_drops(quick_bot: RunningBot):
    socket = quick_bot.standin.socket
    chair = quick_bot.user(CHAIR)

    # Slack asks for a fresh connection: the bot opens one with a new link, and is greeted again.
    socket.disconnect("refresh_requested")
    quick_bot.standin.wait_for(lambda s: s.socket.connections_opened == 2, message="a second connection")
    assert "Using /cspr" in chair.command("/cspr", "help", channel_id=GENERAL).json["text"]
    assert socket.envelopes[-1].connection == 2 and len(socket.hellos) == 2

    # The connection is cut with no goodbye: what people do meanwhile waits, then arrives, once.
    socket.drop_connections()
    police = quick_bot.user("police.lead")
    police.command("/cspr", "refer", channel_id=GENERAL)
    submit(quick_bot, "police.lead", "referral", REFERRAL)
    assert socket.connections_opened >= 3 and socket.envelopes[-1].connection >= 3
    assert count(quick_bot, Case) == 1
    assert len(quick_bot.standin.wait_for(lambda s: s.messages(PPRG), message="the triage card")) == 1
    assert socket.refused_tickets == 0  # every connection used a link of its own


def settings_env(standin: SlackStandIn, app_token: str, database: Path) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": app_token,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": f"sqlite:///{database}",
        "CSPR_CONFIG": str(PARTNERSHIP_FILE),
    }


def test_serve_socket_answers_over_the_socket_and_stops_cleanly_on_interrupt(tmp_path):
    with make_standin(socket_mode=True) as standin:
        env = settings_env(standin, standin.app_token, tmp_path / "bot.db")
        process = subprocess.Popen(
            [CSPR_BOT, "serve", "--socket", "--no-scheduler"],
            env={**os.environ, **env},
            cwd=tmp_path,
            stderr=subprocess.DEVNULL,
        )
        try:
            standin.wait_for(lambda s: s.socket.open_connections, timeout=30, message="cspr-bot serve --socket")
            answer = standin.user("U01CHAIR").command("/cspr", "help", channel_id=GENERAL)
            assert "Using /cspr" in answer.json["text"]
            process.send_signal(signal.SIGINT)
            assert process.wait(15) == 130
        finally:
            process.kill()


def test_a_refused_app_token_stops_start_up_with_one_line(tmp_path):
    with make_standin(socket_mode=True) as standin:
        env = settings_env(standin, "xapp-1-A0CSPR-revoked", tmp_path / "bot.db")
        done = run(["serve", "--socket", "--no-scheduler"], env, tmp_path)
        assert standin.socket.connections_opened == 0
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "cspr-bot: Slack refused SLACK_APP_TOKEN (invalid_auth): create an app-level token (xapp-...) with "
        "connections:write on the Basic Information page"
    ]
    assert not (tmp_path / "bot.db").exists()  # stopped before anything else happened


def test_only_the_app_level_token_opens_a_connection_and_each_link_serves_once():
    with make_standin(socket_mode=True) as standin:
        api = WebClient(base_url=standin.api_url)
        for token, error in ((BOT_TOKEN, "not_allowed_token_type"), ("xapp-1-A0CSPR-other", "invalid_auth")):
            with pytest.raises(SlackApiError) as refused:
                api.apps_connections_open(app_token=token)
            assert refused.value.response["error"] == error
        with pytest.raises(SlackApiError) as refused:
            WebClient(token=standin.app_token, base_url=standin.api_url).chat_postMessage(channel=GENERAL, text="hi")
        assert refused.value.response["error"] == "not_allowed_token_type"

        link = api.apps_connections_open(app_token=standin.app_token)["url"]
        with connect(link) as connection:
            assert json.loads(connection.recv(5))["type"] == "hello"
        with pytest.raises(InvalidStatus) as used:
            connect(link)
        assert used.value.response.status_code == 401 and standin.socket.refused_tickets == 1

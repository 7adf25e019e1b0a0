"""The Slack stand-in behaves like Slack, seen through a real slack_sdk client and a real receiver."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.standin import SlackStandIn, flatten

TOKEN = "xoxb-test"
SECRET = "s3cret"
METHODS_FILE = Path(__file__).resolve().parents[2] / "shared" / "slack" / "web-api-methods.json"
ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
BUTTON_BLOCKS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Case *R-1* needs <@U0ALICE>"}},
    {
        "type": "actions",
        "block_id": "decide",
        "elements": [
            {
                "type": "button",
                "action_id": "sign_off",
                "value": "case-1",
                "style": "primary",
                "text": {"type": "plain_text", "text": "Sign off"},
            },
            {
                "type": "static_select",
                "action_id": "outcome",
                "placeholder": {"type": "plain_text", "text": "Outcome"},
                "options": [
                    {"text": {"type": "plain_text", "text": "Review"}, "value": "review"},
                    {"text": {"type": "plain_text", "text": "No review"}, "value": "none"},
                ],
            },
            {"type": "datepicker", "action_id": "due"},
        ],
    },
]
FORM_VIEW = {
    "type": "modal",
    "callback_id": "sign_off_form",
    "private_metadata": "case-1",
    "title": {"type": "plain_text", "text": "Sign off"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "comment",
            "label": {"type": "plain_text", "text": "Comment"},
            "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
        },
        {
            "type": "input",
            "block_id": "when",
            "label": {"type": "plain_text", "text": "Date"},
            "element": {"type": "datepicker", "action_id": "date", "initial_date": "2025-01-31"},
        },
        {
            "type": "input",
            "block_id": "route",
            "label": {"type": "plain_text", "text": "Route"},
            "element": {
                "type": "static_select",
                "action_id": "pick",
                "options": [
                    {"text": {"type": "plain_text", "text": "Rapid review"}, "value": "rapid"},
                    {"text": {"type": "plain_text", "text": "Case review"}, "value": "lcspr"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "agencies",
            "optional": True,
            "label": {"type": "plain_text", "text": "Agencies"},
            "element": {
                "type": "multi_static_select",
                "action_id": "many",
                "options": [
                    {"text": {"type": "plain_text", "text": "Police"}, "value": "police"},
                    {"text": {"type": "plain_text", "text": "Health"}, "value": "health"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "urgency",
            "label": {"type": "plain_text", "text": "Urgency"},
            "element": {
                "type": "radio_buttons",
                "action_id": "radio",
                "initial_option": {"text": {"type": "plain_text", "text": "Normal"}, "value": "normal"},
                "options": [
                    {"text": {"type": "plain_text", "text": "Normal"}, "value": "normal"},
                    {"text": {"type": "plain_text", "text": "Urgent"}, "value": "urgent"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "checks",
            "optional": True,
            "label": {"type": "plain_text", "text": "Checks"},
            "element": {
                "type": "checkboxes",
                "action_id": "boxes",
                "options": [{"text": {"type": "plain_text", "text": "Family told"}, "value": "family"}],
            },
        },
    ],
}


class Receiver:
    """A minimal app endpoint: records what arrives, answers with `reply(request)`."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.reply = lambda request: (200, b"", "text/plain")
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = {"headers": dict(self.headers.items()), "body": body}
                if self.headers["Content-Type"].startswith("application/x-www-form-urlencoded"):
                    form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
                    request["form"] = form
                    request["payload"] = json.loads(form["payload"]) if "payload" in form else None
                else:
                    request["json"] = json.loads(body)
                receiver.requests.append(request)
                status, answer, content_type = receiver.reply(request)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def verified(self, request: dict) -> bool:
        return SignatureVerifier(SECRET).is_valid_request(request["body"], request["headers"])


@pytest.fixture
def standin():
    with SlackStandIn(
        bot_token=TOKEN,
        signing_secret=SECRET,
        team_id="T0CSPR",
        bot_user_id="U0BOT",
        bot_name="cspr-bot",
        trigger_ttl=3.0,
    ) as running:
        running.add_user(ALICE, "alice")
        running.add_user(BOB, "bob")
        running.add_user(CAROL, "carol")
        running.add_channel("C0PUB", "partnership", members=[ALICE, BOB, "U0BOT"])
        running.add_channel("C0NOBOT", "elsewhere", members=[ALICE])
        yield running


@pytest.fixture
def client(standin):
    return WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[])


@pytest.fixture
def receiver(standin):
    app = Receiver()
    standin.app_url = app.url
    yield app
    app.server.shutdown()
    app.server.server_close()


def slack_error(call) -> dict:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.data


# Web API: identity and method checks


def test_auth_test_answers_for_the_bot_and_refuses_other_tokens(standin, client):
    me = client.auth_test()
    assert (me["user_id"], me["team_id"], me["bot_id"]) == ("U0BOT", "T0CSPR", "B0CSPR")
    wrong = WebClient(token="xoxb-wrong", base_url=standin.api_url)
    assert slack_error(wrong.auth_test)["error"] == "invalid_auth"
    anonymous = WebClient(base_url=standin.api_url)
    assert slack_error(anonymous.auth_test)["error"] == "not_authed"
    assert [c.error for c in standin.calls] == [None, "invalid_auth", "not_authed"]


def test_unknown_methods_are_refused(client):
    assert slack_error(lambda: client.api_call("chat.fly"))["error"] == "unknown_method"


def test_unknown_parameters_are_refused_with_the_methods_file():
    if not METHODS_FILE.exists():
        pytest.skip(f"{METHODS_FILE} is not present")
    with SlackStandIn(bot_token=TOKEN, methods_file=METHODS_FILE) as strict:
        strict.add_channel("C0PUB", "partnership", members=["U0BOT"])
        client = WebClient(token=TOKEN, base_url=strict.api_url)
        refused = slack_error(
            lambda: client.api_call("chat.postMessage", json={"channel": "C0PUB", "text": "x", "colour": "red"})
        )
        assert refused["error"] == "invalid_arguments"
        assert refused["response_metadata"]["messages"] == ["[ERROR] unknown parameter 'colour'"]
        # newer parameters slack_sdk sends are allowed
        client.chat_postMessage(channel="C0PUB", text="x", metadata={"event_type": "e", "event_payload": {}})
        # listed in the file but not simulated
        assert slack_error(lambda: client.api_call("reactions.add"))["error"] == "unknown_method"


# Web API: conversations


def test_create_private_channel_and_slack_name_rules(standin, client):
    created = client.conversations_create(name="rr-2025-001", is_private=True)["channel"]
    assert created["is_private"] and created["is_member"] and created["creator"] == "U0BOT"
    assert standin.channel_by_name("rr-2025-001").members == {"U0BOT"}
    standin.archive(created["id"])
    assert slack_error(lambda: client.conversations_create(name="rr-2025-001"))["error"] == "name_taken"
    for name, error in [
        ("RR-1", "invalid_name_specials"),
        ("a b", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("", "invalid_name_required"),
    ]:
        assert slack_error(lambda n=name: client.conversations_create(name=n))["error"] == error


def test_invite_without_force_invites_nobody_when_one_user_is_wrong(standin, client):
    channel = client.conversations_create(name="case")["channel"]["id"]
    client.conversations_invite(channel=channel, users=[ALICE])
    refused = slack_error(lambda: client.conversations_invite(channel=channel, users=[BOB, ALICE]))
    assert refused["error"] == "already_in_channel"
    assert standin.channels[channel].members == {"U0BOT", ALICE}
    assert (
        slack_error(lambda: client.conversations_invite(channel=channel, users=["U0BOT"]))["error"]
        == "cant_invite_self"
    )
    assert slack_error(lambda: client.conversations_invite(channel="C0NOBOT", users=[BOB]))["error"] == "not_in_channel"
    assert (
        slack_error(lambda: client.conversations_invite(channel="C0NONE", users=[BOB]))["error"] == "channel_not_found"
    )


def test_invite_with_force_adds_the_valid_users_and_lists_the_rest(standin, client):
    channel = client.conversations_create(name="case")["channel"]["id"]
    client.conversations_invite(channel=channel, users=[ALICE])
    answer = client.conversations_invite(channel=channel, users=[BOB, ALICE, "U0GHOST"], force=True)
    assert answer["ok"] and answer["channel"]["id"] == channel
    assert {(e["user"], e["error"]) for e in answer["errors"]} == {
        (ALICE, "already_in_channel"),
        ("U0GHOST", "user_not_found"),
    }
    assert standin.channels[channel].members == {"U0BOT", ALICE, BOB}
    all_bad = slack_error(lambda: client.conversations_invite(channel=channel, users=[ALICE], force=True))
    assert all_bad["error"] == "already_in_channel"
    standin.archive(channel)
    assert slack_error(lambda: client.conversations_invite(channel=channel, users=[CAROL]))["error"] == "is_archived"


def test_history_is_newest_first_paginated_and_shows_metadata_only_when_asked(standin, client):
    for n in range(3):
        client.chat_postMessage(
            channel="C0PUB", text=f"m{n}", metadata={"event_type": "case_event", "event_payload": {"n": n}}
        )
    plain = client.conversations_history(channel="C0PUB")["messages"]
    assert [m["text"] for m in plain] == ["m2", "m1", "m0"]
    assert all("metadata" not in m for m in plain)
    page = client.conversations_history(channel="C0PUB", limit=2, include_all_metadata=True)
    assert [m["metadata"]["event_payload"]["n"] for m in page["messages"]] == [2, 1]
    assert page["has_more"]
    rest = client.conversations_history(channel="C0PUB", limit=2, cursor=page["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["m0"] and not rest["has_more"]
    standin.add_channel("C0SECRET", "secret", is_private=True, members=[ALICE])
    assert slack_error(lambda: client.conversations_history(channel="C0SECRET"))["error"] == "not_in_channel"


def test_list_info_members_and_topic_respect_what_the_bot_can_see(standin, client):
    standin.add_channel("C0SECRET", "secret", is_private=True, members=[ALICE])
    mine = client.conversations_create(name="mine", is_private=True)["channel"]["id"]
    listed = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert {c["id"] for c in listed} == {"C0PUB", "C0NOBOT", mine}
    assert slack_error(lambda: client.conversations_info(channel="C0SECRET"))["error"] == "channel_not_found"
    assert client.conversations_info(channel="C0PUB", include_num_members=True)["channel"]["num_members"] == 3
    assert client.conversations_members(channel="C0PUB")["members"] == sorted([ALICE, BOB, "U0BOT"])
    client.conversations_setTopic(channel="C0PUB", topic="Rapid reviews")
    assert standin.channels["C0PUB"].topic == "Rapid reviews"
    assert slack_error(lambda: client.conversations_setTopic(channel="C0NOBOT", topic="x"))["error"] == "not_in_channel"


# Web API: messages


def test_post_to_a_user_id_lands_in_the_im(standin, client):
    answer = client.chat_postMessage(channel=ALICE, text="Hello <@U0ALICE>")
    im = standin.dm_channel(ALICE)
    assert im and im.startswith("D") and answer["channel"] == im
    assert [m.text for m in standin.dms(ALICE)] == ["Hello <@U0ALICE>"]
    assert client.conversations_open(users=ALICE)["channel"]["id"] == im
    assert standin.transcript()[-1] == {
        "seq": 1,
        "kind": "dm",
        "channel": "DM @alice",
        "author": "cspr-bot",
        "text": "Hello @alice",
    }


def test_posting_needs_membership_text_and_a_live_channel(standin, client):
    assert slack_error(lambda: client.chat_postMessage(channel="C0NOBOT", text="x"))["error"] == "not_in_channel"
    assert slack_error(lambda: client.chat_postMessage(channel="C0NONE", text="x"))["error"] == "channel_not_found"
    assert slack_error(lambda: client.api_call("chat.postMessage", json={"channel": "C0PUB"}))["error"] == "no_text"
    assert slack_error(lambda: client.chat_postMessage(channel="C0PUB", text="x" * 40_001))["error"] == "msg_too_long"
    assert (
        slack_error(lambda: client.chat_postMessage(channel="C0PUB", text="x", metadata={"event_type": "e"}))["error"]
        == "invalid_metadata"
    )
    standin.archive("C0PUB")
    assert slack_error(lambda: client.chat_postMessage(channel="C0PUB", text="x"))["error"] == "is_archived"
    assert standin.messages("C0PUB") == []


def test_invalid_blocks_are_refused_with_a_reason(standin, client):
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    too_many = slack_error(lambda: client.chat_postMessage(channel="C0PUB", text="x", blocks=[section] * 51))
    assert too_many["error"] == "invalid_blocks"
    assert "50" in too_many["response_metadata"]["messages"][0]
    unknown = slack_error(lambda: client.chat_postMessage(channel="C0PUB", text="x", blocks=[{"type": "nope"}]))
    assert unknown["error"] == "invalid_blocks"
    typo = slack_error(lambda: client.chat_postMessage(channel="C0PUB", text="x", blocks=[{**section, "acessory": {}}]))
    assert "acessory" in typo["response_metadata"]["messages"][0]
    long_label = [
        {
            "type": "actions",
            "elements": [{"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x" * 76}}],
        }
    ]
    assert (
        slack_error(lambda: client.chat_postMessage(channel="C0PUB", text="x", blocks=long_label))["error"]
        == "invalid_blocks"
    )
    assert client.chat_postMessage(channel="C0PUB", text="x", blocks=[section] * 50)["ok"]


def test_update_keeps_previous_versions_and_only_for_the_bots_messages(standin, client):
    ts = client.chat_postMessage(channel="C0PUB", text="v1", blocks=BUTTON_BLOCKS)["ts"]
    client.chat_update(channel="C0PUB", ts=ts, text="v2", blocks=[])
    message = standin.messages("C0PUB")[0]
    assert (message.text, message.blocks) == ("v2", None)
    assert message.edits[0][0] == "v1" and message.edits[0][1][1]["block_id"] == "decide"
    assert (
        slack_error(lambda: client.chat_update(channel="C0PUB", ts="1.000001", text="x"))["error"]
        == "message_not_found"
    )


def test_ephemeral_and_pins(standin, client):
    assert (
        slack_error(lambda: client.chat_postEphemeral(channel="C0PUB", user=CAROL, text="x"))["error"]
        == "user_not_in_channel"
    )
    assert client.chat_postEphemeral(channel="C0PUB", user=ALICE, text="only you")["message_ts"]
    assert [(e.user, e.text) for e in standin.ephemerals] == [(ALICE, "only you")]
    ts = client.chat_postMessage(channel="C0PUB", text="pin me")["ts"]
    client.pins_add(channel="C0PUB", timestamp=ts)
    assert slack_error(lambda: client.pins_add(channel="C0PUB", timestamp=ts))["error"] == "already_pinned"
    assert standin.channels["C0PUB"].pins == {ts}


# Fault injection


def test_rate_limit_is_retried_after_retry_after_and_stored_once(standin):
    standin.fail("chat.postMessage", status=429, retry_after=0)
    client = WebClient(
        token=TOKEN, base_url=standin.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    assert client.chat_postMessage(channel="C0PUB", text="once")["ok"]
    assert [m.text for m in standin.messages("C0PUB")] == ["once"]
    assert [(c.http_status, c.error) for c in standin.calls] == [(429, "ratelimited"), (200, None)]
    standin.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[]).chat_postMessage(channel="C0PUB", text="x")
    seen = raised.value.response
    assert (seen.status_code, seen.headers["Retry-After"], seen.data["error"]) == (429, "7", "ratelimited")


def test_server_errors_and_api_errors_do_not_run_the_method(standin, client):
    standin.fail("chat.postMessage", status=503)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0PUB", text="x")
    assert raised.value.response.status_code == 503
    standin.error("chat.postMessage", "fatal_error")
    assert slack_error(lambda: client.chat_postMessage(channel="C0PUB", text="x"))["error"] == "fatal_error"
    assert standin.messages("C0PUB") == []
    assert client.chat_postMessage(channel="C0PUB", text="fine")["ok"]


def test_a_dropped_answer_after_processing_leaves_the_message_stored(standin, client):
    standin.drop("chat.postMessage", after_processing=True)
    with pytest.raises(ConnectionError):
        client.chat_postMessage(channel="C0PUB", text="lost answer")
    assert [m.text for m in standin.messages("C0PUB")] == ["lost answer"]
    # a naive retry on connection errors therefore posts twice
    standin.drop("chat.postMessage", after_processing=True)
    naive = WebClient(
        token=TOKEN,
        base_url=standin.api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.01))
        ],
    )
    naive.chat_postMessage(channel="C0PUB", text="twice")
    assert [m.text for m in standin.messages("C0PUB")][1:] == ["twice", "twice"]
    standin.drop("chat.postMessage", after_processing=False)
    with pytest.raises(ConnectionError):
        client.chat_postMessage(channel="C0PUB", text="never stored")
    assert len(standin.messages("C0PUB")) == 3
    assert standin.calls[-1].http_status is None


# Signed requests from people


def test_slash_command_is_signed_and_shaped_like_slacks(standin, receiver):
    response = standin.user(ALICE).command("/cspr", "refer", channel_id="C0PUB")
    assert response.status == 200
    request = receiver.requests[0]
    assert receiver.verified(request)
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    form = request["form"]
    assert set(form) == {
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    }
    assert (form["user_id"], form["channel_name"], form["command"], form["text"]) == (
        ALICE,
        "partnership",
        "/cspr",
        "refer",
    )
    assert form["response_url"].startswith(standin.base_url + "response/")
    assert standin.transcript()[-1]["text"] == "/cspr refer"


def test_forged_and_stale_requests_fail_verification(standin, receiver):
    standin.post_signed(b"{}", "application/json", signature="v0=forged")
    standin.post_signed(b"{}", "application/json", timestamp=int(time.time()) - 600)
    standin.post_signed(b"{}", "application/json", omit_headers=True)
    assert [receiver.verified(r) for r in receiver.requests] == [False, False, False]
    assert "X-Slack-Signature" not in receiver.requests[2]["headers"]


def test_events_carry_the_envelope_and_retry_headers(standin, receiver):
    standin.send_event({"type": "member_joined_channel", "user": BOB, "channel": "C0PUB"}, event_id="Ev1", retry_num=1)
    request = receiver.requests[0]
    assert receiver.verified(request)
    envelope = request["json"]
    assert (envelope["type"], envelope["event_id"], envelope["team_id"]) == ("event_callback", "Ev1", "T0CSPR")
    assert envelope["authorizations"][0]["user_id"] == "U0BOT"
    assert (request["headers"]["X-Slack-Retry-Num"], request["headers"]["X-Slack-Retry-Reason"]) == (
        "1",
        "http_timeout",
    )
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Your cases"}}]}
    published = WebClient(token=TOKEN, base_url=standin.api_url).views_publish(user_id=ALICE, view=home)
    standin.user(ALICE).open_home()
    event = receiver.requests[1]["json"]["event"]
    assert (event["type"], event["user"], event["channel"], event["view"]["id"]) == (
        "app_home_opened",
        ALICE,
        standin.dm_channel(ALICE),
        published["view"]["id"],
    )


def test_click_finds_the_element_on_screen_and_sends_block_actions(standin, client, receiver):
    ts = client.chat_postMessage(channel="C0PUB", text="fallback", blocks=BUTTON_BLOCKS)["ts"]
    alice = standin.user(ALICE)
    with pytest.raises(LookupError):
        alice.click("approve", channel_id="C0PUB")
    with pytest.raises(LookupError):
        alice.click("sign_off", channel_id="C0PUB", value="case-2")
    with pytest.raises(LookupError):
        standin.user(CAROL).click("sign_off", channel_id="C0NOBOT")
    alice.click("sign_off", channel_id="C0PUB", value="case-1")
    request = receiver.requests[0]
    assert receiver.verified(request)
    payload = request["payload"]
    assert payload["type"] == "block_actions"
    assert payload["user"] == {"id": ALICE, "username": "alice", "name": "alice", "team_id": "T0CSPR"}
    assert payload["container"] == {"type": "message", "message_ts": ts, "channel_id": "C0PUB", "is_ephemeral": False}
    assert payload["channel"] == {"id": "C0PUB", "name": "partnership"}
    assert payload["message"]["ts"] == ts and payload["message"]["blocks"][1]["block_id"] == "decide"
    action = payload["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"], action["type"], action["style"]) == (
        "sign_off",
        "decide",
        "case-1",
        "button",
        "primary",
    )
    assert {"trigger_id", "response_url", "api_app_id", "token", "team", "state"} <= set(payload)
    alice.click("outcome", channel_id="C0PUB", value="none")
    assert receiver.requests[1]["payload"]["actions"][0]["selected_option"]["value"] == "none"
    alice.click("due", message_ts=ts, channel_id="C0PUB", value="2025-02-03")
    assert receiver.requests[2]["payload"]["actions"][0]["selected_date"] == "2025-02-03"
    assert standin.transcript()[-3]["text"] == "pressed [Sign off]"


def test_response_url_replaces_the_clicked_message(standin, client, receiver):
    ts = client.chat_postMessage(channel="C0PUB", text="fallback", blocks=BUTTON_BLOCKS)["ts"]
    standin.user(ALICE).click("sign_off", channel_id="C0PUB")
    url = receiver.requests[0]["payload"]["response_url"]
    answer = WebhookClient(url).send(text="Signed off by <@U0ALICE>", replace_original=True)
    assert (answer.status_code, answer.body) == (200, "ok")
    message = standin.messages("C0PUB")[0]
    assert (message.ts, message.text, message.blocks, len(message.edits)) == (ts, "Signed off by <@U0ALICE>", None, 1)
    assert standin.responses[0].payload["replace_original"] is True
    assert WebhookClient(standin.base_url + "response/nope").send(text="x").status_code == 404


def open_form(standin, client, receiver, user=ALICE, view=FORM_VIEW):
    """A command whose handler opens the form with its trigger, as the bot would."""
    opened = {}

    def reply(request):
        opened.update(client.views_open(trigger_id=request["form"]["trigger_id"], view=view)["view"])
        return 200, b"", "text/plain"

    receiver.reply = reply
    standin.user(user).command("/cspr", "sign-off", channel_id="C0PUB")
    receiver.reply = lambda request: (200, b"", "text/plain")
    return opened


def test_submit_sends_slacks_state_shapes_and_closes_on_ack(standin, client, receiver):
    view = open_form(standin, client, receiver)
    alice = standin.user(ALICE)
    assert alice.last_view(callback_id="sign_off_form").id == view["id"]
    assert view["state"] == {"values": {}} and view["hash"] and view["private_metadata"] == "case-1"
    with pytest.raises(ValueError):
        alice.submit(view["id"], {"nope": "x"})
    with pytest.raises(ValueError):  # the required comment left empty
        alice.submit(view["id"], {"route": "rapid"})
    with pytest.raises(ValueError):
        alice.submit(view["id"], {"comment": "ok", "route": "not-an-option"})
    alice.submit(view["id"], {"comment": "Agreed", "route": "lcspr", "agencies": ["police", "health"]})
    request = receiver.requests[-1]
    assert receiver.verified(request)
    payload = request["payload"]
    assert (payload["type"], payload["response_urls"], payload["view"]["id"]) == ("view_submission", [], view["id"])
    assert payload["trigger_id"] and payload["user"]["id"] == ALICE
    assert payload["view"]["state"]["values"] == {
        "comment": {"text": {"type": "plain_text_input", "value": "Agreed"}},
        "when": {"date": {"type": "datepicker", "selected_date": "2025-01-31"}},
        "route": {
            "pick": {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": "Case review"}, "value": "lcspr"},
            }
        },
        "agencies": {
            "many": {
                "type": "multi_static_select",
                "selected_options": [
                    {"text": {"type": "plain_text", "text": "Police"}, "value": "police"},
                    {"text": {"type": "plain_text", "text": "Health"}, "value": "health"},
                ],
            }
        },
        "urgency": {
            "radio": {
                "type": "radio_buttons",
                "selected_option": {"text": {"type": "plain_text", "text": "Normal"}, "value": "normal"},
            }
        },
        "checks": {"boxes": {"type": "checkboxes", "selected_options": []}},
    }
    assert not standin.views[view["id"]].is_open
    with pytest.raises(LookupError):
        alice.last_view()
    assert standin.transcript()[-1]["text"].startswith("submitted 'Sign off' (Comment: Agreed; ")


def test_submit_errors_keep_the_view_open_and_updates_replace_it(standin, client, receiver):
    view = open_form(standin, client, receiver)
    errors = {"comment": "Say why"}
    receiver.reply = lambda request: (
        200,
        json.dumps({"response_action": "errors", "errors": errors}).encode(),
        "application/json",
    )
    standin.user(ALICE).submit(view["id"], {"comment": "x", "route": "rapid"})
    stored = standin.views[view["id"]]
    assert stored.is_open and stored.errors == errors
    thanks = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Thanks"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Sent"}}],
    }
    receiver.reply = lambda request: (
        200,
        json.dumps({"response_action": "update", "view": thanks}).encode(),
        "application/json",
    )
    standin.user(ALICE).submit(view["id"], {"comment": "because", "route": "rapid"})
    stored = standin.views[view["id"]]
    assert stored.is_open and stored.view["title"]["text"] == "Thanks" and stored.view["hash"] != view["hash"]


def test_views_update_checks_the_hash_and_the_view(standin, client, receiver):
    view = open_form(standin, client, receiver)
    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=FORM_VIEW)["view"]
    assert updated["id"] == view["id"]
    assert client.views_update(view_id=view["id"], view=updated)["ok"]  # a stored view can be re-sent
    assert (
        slack_error(lambda: client.views_update(view_id=view["id"], hash=updated["hash"], view=FORM_VIEW))["error"]
        == "hash_conflict"
    )
    assert slack_error(lambda: client.views_update(view_id="V0NONE", view=FORM_VIEW))["error"] == "not_found"
    long_title = {**FORM_VIEW, "title": {"type": "plain_text", "text": "x" * 25}}
    bad = slack_error(lambda: client.views_update(view_id=view["id"], view=long_title))
    assert bad["error"] == "invalid_arguments" and "title" in bad["response_metadata"]["messages"][0]


def test_triggers_work_once_and_expire(client, receiver):
    with SlackStandIn(bot_token=TOKEN, signing_secret=SECRET, trigger_ttl=0.2) as quick:
        quick.add_user(ALICE, "alice")
        quick.add_channel("C0PUB", "partnership", members=[ALICE, "U0BOT"])
        quick.app_url = receiver.url
        fast = WebClient(token=TOKEN, base_url=quick.api_url)
        quick.user(ALICE).command("/cspr", "", channel_id="C0PUB")
        quick.user(ALICE).command("/cspr", "", channel_id="C0PUB")
        first, second = (r["form"]["trigger_id"] for r in receiver.requests)
        assert fast.views_open(trigger_id=first, view=FORM_VIEW)["ok"]
        assert slack_error(lambda: fast.views_open(trigger_id=first, view=FORM_VIEW))["error"] == "exchanged_trigger_id"
        assert (
            slack_error(lambda: fast.views_open(trigger_id="1.2.made-up", view=FORM_VIEW))["error"]
            == "invalid_trigger_id"
        )
        time.sleep(0.25)
        assert slack_error(lambda: fast.views_open(trigger_id=second, view=FORM_VIEW))["error"] == "expired_trigger_id"


def test_wait_for_wakes_on_change_and_times_out_with_recent_calls(standin, client):
    threading.Timer(0.05, lambda: client.chat_postMessage(channel="C0PUB", text="later")).start()
    found = standin.wait_for(lambda s: s.messages("C0PUB"), timeout=2, message="a post")
    assert found[0].text == "later"
    with pytest.raises(TimeoutError, match=r"(?s)a second post.*chat\.postMessage"):
        standin.wait_for(lambda s: len(s.messages("C0PUB")) > 1, timeout=0.05, message="a second post")


def test_flatten_reads_block_kit_like_a_person():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Rapid review R-1"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Lead:* <@U0ALICE> &amp; <@U0BOB|bobby> in <#C0PUB>"},
            "fields": [{"type": "mrkdwn", "text": "Due: 3 &lt; 5"}],
            "accessory": {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "Open"}},
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "see <https://x.test|the guide>"}]},
        {
            "type": "actions",
            "elements": [
                {"type": "button", "action_id": "b", "text": {"type": "plain_text", "text": "Sign off"}},
                {"type": "button", "action_id": "c", "text": {"type": "plain_text", "text": "Decline"}},
            ],
        },
    ]
    names = {"U0ALICE": "alice", "C0PUB": "partnership"}
    assert flatten(blocks, "fallback", names=names).split("\n") == [
        "Rapid review R-1",
        "*Lead:* @alice & @bobby in #partnership",
        "Due: 3 < 5",
        "[Open]",
        "see the guide",
        "[Sign off] [Decline]",
    ]
    assert flatten(None, "Hi <@U0ALICE>", names=names) == "Hi @alice"


def test_concurrent_posts_get_unique_increasing_timestamps(standin):
    def post_ten(n: int) -> None:
        worker = WebClient(token=TOKEN, base_url=standin.api_url)
        for i in range(10):
            worker.chat_postMessage(channel="C0PUB", text=f"{n}-{i}")

    workers = [threading.Thread(target=post_ten, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stamps = [m.ts for m in standin.messages("C0PUB")]
    assert len(set(stamps)) == 80
    assert stamps == sorted(stamps, key=lambda ts: tuple(map(int, ts.split("."))))
    assert len(standin.calls) == 80 and all(c.ok for c in standin.calls)

"""The HTTP server in front of Bolt under ordinary abuse: oversized and misframed bodies, floods of
forged requests, and clients that connect and then say nothing."""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.request
from urllib.parse import urlencode, urlsplit

from bot.delivery import cards
from bot.http_limits import MAX_BODY
from bot.refusals import LINES_PER_MINUTE
from bot.review.referral_form import ABUSE_TYPES, AGE_BANDS, CRITERIA_VIEWS, HARMS, IDENTIFIER_MAX, SUMMARY_MAX
from bot.review.stages import Stage
from bot.usecases.signoffs import COMMENT_MAX
from bot.working_days import WorkingCalendar
from messages import render
from storage.models import Case, CaseAgency, SignOff
from tests.conftest import GENERAL, RunningBot
from tests.test_benchmarks import partnership_with
from tests.test_messages import NOW, make_case
from tests.test_rapid_review_story import REFERRAL, count

HEADERS = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"


def address(bot: RunningBot) -> tuple[str, int]:
    url = urlsplit(bot.standin.app_url)
    return url.hostname, url.port


def exchange(bot: RunningBot, data: bytes) -> bytes:
    """Send `data` as it is and read the answer until the bot closes the connection."""
    with socket.create_connection(address(bot), timeout=10) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def status_line(answer: bytes) -> bytes:
    return answer.split(b"\r\n", 1)[0]


def health(bot: RunningBot) -> int:
    url = bot.standin.app_url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status


def test_oversized_and_misframed_bodies_are_refused_before_they_are_read(bot: RunningBot, caplog):
    caplog.set_level(logging.INFO)
    # 50 MB announced, 1 kB sent: the answer comes without the rest being waited for.
    answer = exchange(bot, HEADERS + b"Content-Length: 52428800\r\n\r\n" + b"{" * 1024)
    assert status_line(answer) == b"HTTP/1.1 413 Request Entity Too Large"
    # One byte over the limit is too much; the limit itself is only refused for want of a signature.
    assert status_line(exchange(bot, HEADERS + f"Content-Length: {MAX_BODY + 1}\r\n\r\n".encode())).endswith(
        b" 413 Request Entity Too Large"
    )
    at_limit = HEADERS + f"Content-Length: {MAX_BODY}\r\nConnection: close\r\n\r\n".encode() + b" " * MAX_BODY
    assert status_line(exchange(bot, at_limit)) == b"HTTP/1.1 401 Unauthorized"
    # A length that cannot be believed: a body framed both by length and by chunks, or no number.
    chunked_too = HEADERS + b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    assert status_line(exchange(bot, chunked_too)) == b"HTTP/1.1 400 Bad Request"
    assert status_line(exchange(bot, HEADERS + b"Content-Length: 2, 3\r\n\r\n{}")) == b"HTTP/1.1 400 Bad Request"
    refusals = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused a request")]
    assert refusals[:2] == [
        "refused a request with 413: request entity too large (52428800 bytes)",
        f"refused a request with 413: request entity too large ({MAX_BODY + 1} bytes)",
    ]
    assert refusals[2:] == [
        f"refused a request with 401: not signed ({MAX_BODY} bytes)",
        "refused a request with 400: bad request (0 bytes)",
        "refused a request with 400: bad request (0 bytes)",
    ]
    assert health(bot) == 200


def test_a_flood_of_forged_requests_logs_a_bounded_number_of_short_lines(bot: RunningBot, caplog):
    caplog.set_level(logging.DEBUG)
    forged = json.dumps({"type": "view_submission", "team": {"id": "T0CSPR"}, "summary": "x" * 5000}).encode()
    started = time.monotonic()
    for _ in range(300):
        assert bot.standin.post_signed(forged, "application/json", signature="v0=" + "0" * 64).status == 401
    minutes = (time.monotonic() - started) / 60
    lines = [r.getMessage() for r in caplog.records if r.name == "cspr-bot" and r.getMessage().startswith("refused")]
    # Each minute begun gets at most its quota of lines, and one line counting the rest.
    assert len(lines) <= (LINES_PER_MINUTE + 1) * (int(minutes) + 1)
    assert lines[0] == f"refused a request with 401: bad signature ({len(forged)} bytes, team T0CSPR)"
    assert all(len(line) < 120 for line in lines)
    assert sum(len(r.getMessage()) for r in caplog.records) < 10_000  # 300 bodies of 5 kB were sent


def test_stalled_connections_do_not_stop_slack_or_health_checks(bot: RunningBot):
    stalled = []
    try:
        for _ in range(200):
            connection = socket.create_connection(address(bot), timeout=10)
            connection.sendall(HEADERS + b"Content-Length: 1000\r\n\r\n{")  # and nothing more
            stalled.append(connection)
        assert health(bot) == 200
        police = bot.user("police.lead")
        assert police.command("/cspr", "refer", channel_id=GENERAL).status == 200
        answer = police.submit(bot.form(police, "referral").id, REFERRAL)
        assert answer.status == 200 and answer.json is None
        bot.settle()
        assert count(bot, Case) == 1
        assert health(bot) == 200
    finally:
        for connection in stalled:
            connection.close()


def test_the_largest_requests_the_bots_own_messages_can_cause_fit_the_limit():
    """What Slack sends back is the bot's own message or form with a click or the person's input:
    the biggest are a click on a case card for as many agencies as a card can show, every sign-off
    with a comment of emoji, and the referral form filled to every limit. Slack escapes non-ASCII
    characters in its JSON and form-encodes the payload."""

    def sent(payload: dict) -> int:
        return len(urlencode({"payload": json.dumps(payload)}).encode()) + 4096  # ids, urls, trigger: a few kB

    partnership = partnership_with(45)  # 5 + 45 blocks: Slack's limit for a message
    case = make_case(Stage.RAPID_REVIEW)
    case.agencies = [CaseAgency(agency_key=a.key, added_by="U0CHAIR", added_at=NOW) for a in partnership.agencies]
    case.signoffs = [
        SignOff(agency_key=a.key, user_id="U0LEAD0", signed_at=NOW, comment="\U0001f600" * COMMENT_MAX)
        for a in partnership.agencies[1:]
    ]
    card = cards.render_card(cards.CASE, case, partnership, WorkingCalendar(), NOW.date())
    click = {"type": "block_actions", "message": card, "actions": [{"action_id": "signoff", "value": "2026-001|a0"}]}

    form = render(
        "referral_modal", partnership=partnership, metadata=json.dumps({"channel": "C0GENERAL"}),
        identifier_max=IDENTIFIER_MAX, summary_max=SUMMARY_MAX, age_bands=AGE_BANDS, harms=HARMS,
        abuse_types=ABUSE_TYPES, criteria_views=CRITERIA_VIEWS,
    )  # fmt: skip
    picked = [{"text": {"type": "plain_text", "text": a.name}, "value": a.key} for a in partnership.agencies]
    form["state"] = {
        "values": {
            "child_identifier": {"value": {"type": "plain_text_input", "value": "\U0001f600" * IDENTIFIER_MAX}},
            "summary": {"value": {"type": "plain_text_input", "value": "\U0001f600" * SUMMARY_MAX}},
            "agencies": {"value": {"type": "multi_static_select", "selected_options": picked}},
        }
    }
    submission = {"type": "view_submission", "view": form}

    assert sent(submission) < sent(click) < MAX_BODY

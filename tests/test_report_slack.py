"""`/cspr report [year]` through the bot's real HTTP endpoint against the stand-in Slack: who may
ask, the headline figures answered at once and only to the asker, and the charts as one PNG in
their direct messages, delivered once even when Slack's answer is lost."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import SimulatedClock
from storage.models import AuditEvent, OutboxMessage
from tests import report_year
from tests.blockkit import assert_valid_message
from tests.conftest import BOT_TOKEN, GENERAL, RunningBot, start_bot
from tests.journey import plain

SCRUTINEER = report_year.SCRUTINEER
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def bot(standin, database_url: str) -> Iterator[RunningBot]:
    """The bot on the seeded year, in May 2025, with a scrutineer in the partnership file."""
    standin.add_user(SCRUTINEER, "independent.scrutineer")
    clock = SimulatedClock(datetime(2025, 5, 12, 9, 30, tzinfo=UTC))
    runner = start_bot(standin, database_url, report_year.partnership(), clock)
    report_year.seed(runner.services.database)
    try:
        yield RunningBot(runner, standin, clock)
    finally:
        runner.stop()


def _ask(bot: RunningBot, person: str, text: str) -> tuple[dict, str]:
    """The answer to `/cspr <text>` from `person`, as Slack received it and as the person reads it."""
    answer = bot.user(person).command("/cspr", text, channel_id=GENERAL)
    assert answer.status == 200, answer.body
    body = answer.json
    return body, plain(bot.standin.workspace.readable(body["blocks"], body["text"]))


def _shared(bot: RunningBot, person: str) -> list[dict]:
    """The files shared with `person` in their direct messages, as Slack lists them."""
    return [
        {"name": f.name, "title": f.title, "content": f.content}
        for message in bot.standin.dms(bot.user(person).id)
        for f in map(bot.standin.file, message.files)
    ]


def test_the_headline_figures_are_answered_to_the_asker_and_the_charts_arrive_by_direct_message(bot: RunningBot):
    body, read = _ask(bot, SCRUTINEER, "report 2024")
    assert_valid_message(body)
    assert body.get("response_type") in (None, "ephemeral")
    assert "Case reviews 2024/25" in read
    assert "Example Safeguarding Children Partnership · Mon 1 Apr 2024 to Mon 31 Mar 2025" in read
    assert (
        "Referrals 12 · closed at triage 2 · notifications 9 · rapid reviews sent 8 · decisions 8 · "
        "local CSPRs started 3, published 2 · actions completed 3"
    ) in read
    assert (
        "Notifications within 5 working days: 8 of 9 (89%); 1 late, by up to 2 working days; "
        "1 past the deadline, not yet sent"
    ) in read
    assert (
        "Rapid reviews within 15 working days: 6 of 8 (75%), median 15 working days; 2 late, median 4 and "
        "up to 6 working days late; 1 past the deadline, not yet sent"
    ) in read
    assert "Local CSPRs published within 6 months: 1 of 2 (50%), median 6.2 months; 1 past the target" in read
    assert "The Panel's answers: 6, median 9.5 working days after sending" in read
    assert "Actions from reviews: 8 in the period: 3 completed, 1 awaiting sign-off, 1 open, 3 overdue" in read
    for secret in report_year.SECRETS:
        assert secret not in json.dumps(body)

    bot.settle()
    [image] = _shared(bot, SCRUTINEER)
    assert image["name"].startswith("case-reviews-2024-25-") and image["name"].endswith(".png")
    assert image["title"] == "Case reviews 2024/25: charts"
    assert image["content"].startswith(PNG_SIGNATURE) and len(image["content"]) > 20_000
    # Seen as Slack shows it: in the conversation's history, downloadable with the bot's token.
    dm = bot.standin.dm_channel(SCRUTINEER)
    [message] = bot.services.client.conversations_history(channel=dm)["messages"]
    [listed] = message["files"]
    request = urllib.request.Request(listed["url_private"], headers={"Authorization": f"Bearer {BOT_TOKEN}"})
    with urllib.request.urlopen(request) as download:
        assert download.read() == image["content"]
    methods = [call.method for call in bot.standin.calls]
    assert [methods.count(m) for m in ("files.getUploadURLExternal", "upload", "files.completeUploadExternal")] == [
        1,
        1,
        1,
    ]
    # The outbox held figures only: nothing about a child waited there either.
    with bot.services.database.transaction() as session:
        payloads = [json.dumps(p) for p in session.scalars(select(OutboxMessage.payload))]
    assert not any(secret in payload for payload in payloads for secret in report_year.SECRETS)


def test_the_chair_business_managers_and_the_partners_delegates_may_ask_and_no_one_else(bot: RunningBot):
    for person in ("pprg.chair", "business.manager", "la.delegate"):
        assert "Case reviews 2024/25" in _ask(bot, person, "report 2024")[1]
    for person in ("police.lead", "someone.else"):
        body, read = _ask(bot, person, "report 2024")
        assert read == (
            "Only the PPRG chair and business managers, the safeguarding partners' delegates and the "
            "scrutineers can see the yearly report."
        )
        assert_valid_message(body)
    bot.settle()
    assert [len(_shared(bot, p)) for p in ("pprg.chair", "business.manager", "la.delegate", "police.lead")] == [
        1,
        1,
        1,
        0,
    ]
    with bot.services.database.transaction() as session:
        refused = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "refused")).all()
    assert [entry["attempted"] for entry in refused] == ["headline", "headline"]


def test_the_year_is_this_reporting_year_unless_one_is_named_and_begun(bot: RunningBot):
    # Monday 12 May 2025: the reporting year 2025/26 so far.
    body, read = _ask(bot, SCRUTINEER, "report")
    assert_valid_message(body)
    assert "Case reviews 2025/26" in read and "Tue 1 Apr 2025 to Tue 31 Mar 2026, as at Mon 12 May 2025" in read
    # One referral (2025-005, 7 Apr): every group of it is below 5, so even the total is withheld.
    assert "Referrals withheld · closed at triage 0 · notifications 0 · rapid reviews sent 1 · decisions 1" in read
    # 2025-004 was due Fri 28 Mar; 2025-005, aware Mon 7 Apr, was due W(7 Apr, 5) = Mon 14 Apr.
    assert "Notifications within 5 working days: none in the period; 2 past the deadline, not yet sent" in read
    # 2025-002: notified Mon 3 Mar, due Mon 24 Mar, sent Wed 2 Apr: 25-28, 31 Mar, 1, 2 Apr = 7
    # working days late, 22 in all. 2025-003, due Mon 7 Apr, is not sent yet.
    assert (
        "Rapid reviews within 15 working days: 0 of 1 (0%), median 22 working days; 1 late, median 7 and up to "
        "7 working days late; 1 past the deadline, not yet sent"
    ) in read
    assert "Local CSPRs published within 6 months: none in the period; 1 past the target, not yet published" in read
    # Education's signed off 9 Apr; the national review's police action (made 2 Apr, due 30 May) is
    # open, 2024-001's health one (due 30 Jun) too; the three overdue ones still are.
    assert "Actions from reviews: 6 in the period: 1 completed, 0 awaiting sign-off, 2 open, 3 overdue" in read
    assert _ask(bot, SCRUTINEER, "report 2026")[1] == "The reporting year starting in 2026 has not begun yet."
    assert _ask(bot, SCRUTINEER, "report 0000")[1] == "Give a year from 1900, like `/cspr report 2025`."
    assert _ask(bot, SCRUTINEER, "report 20x4")[1] == (
        "`20x4` is not a year: `/cspr report 2026` is the reporting year that starts in 2026."
    )
    bot.settle()
    assert len(_shared(bot, SCRUTINEER)) == 1


def test_an_upload_whose_answer_was_lost_is_found_in_the_conversation_not_sent_again(bot: RunningBot):
    bot.standin.drop("files.completeUploadExternal", after_processing=True)
    _ask(bot, SCRUTINEER, "report 2024")
    bot.settle()
    assert len(_shared(bot, SCRUTINEER)) == 1  # shared, though the bot never heard so
    with bot.services.database.transaction() as session:
        [waiting] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "report_image")).all()
        assert (waiting.status, waiting.outcome_unknown) == ("pending", True)
    bot.services.delivery.drain(bot.clock.now() + timedelta(minutes=1))
    assert len(_shared(bot, SCRUTINEER)) == 1
    with bot.services.database.transaction() as session:
        [sent] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "report_image")).all()
        assert sent.status == "sent" and sent.result["found"] is True
    methods = [call.method for call in bot.standin.calls]
    assert methods.count("files.getUploadURLExternal") == 1 and methods.count("files.completeUploadExternal") == 1

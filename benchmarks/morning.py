"""A morning at scale: open reviews whose countdown edits and reminders all fall due at 09:00.

First `Clockwork.plan` claims and queues everything; then delivery runs against the Slack stand-in
enforcing Slack's published rate limits (bot/standin/rate_limits.py) until the stand-in holds
every message, or the time allowed runs out: whatever is still queued then is counted as queued,
not lost, as a later pass would send it.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from benchmarks import databases
from benchmarks.population import MORNING, open_reviews
from benchmarks.table import Table
from bot.clock import SystemClock
from bot.clockwork.tick import Clockwork
from bot.delivery.slack_api import make_client
from bot.partnership import load
from bot.services import Services
from bot.settings import Settings
from bot.standin import SlackStandIn
from storage.db import Database
from storage.models import Card, OutboxMessage
from tests.conftest import BOT_TOKEN, PARTNERSHIP_FILE, make_standin

CASES = 1_000
# Seconds of delivery measured at full size. The reminders all go within it; the countdown edits
# cannot: chat.update is Tier 3, 50 a minute for the workspace, so 1,000 of them take 20 minutes
# whatever the bot does, and the table gives the rate they went at instead.
WINDOW = 90.0


def run(smoke: bool) -> list[Table]:
    count = 5 if smoke else CASES
    table = Table(
        f"A morning of {count:,} open reviews (a countdown edit and a reminder each, and the digest)",
        [
            "database", "claim s", "notices", "all notices in s", "card edits", "edits done",
            "edits a minute", "still queued", "duplicates", "lost", "429s", "slowest channel s",
        ],
        notes=[
            "claim: `Clockwork.plan` at 11:00 on a working Monday; delivery: `Delivery.drain` passes on the "
            "tick's clock, each as soon as something put off is due again, against the stand-in with Slack's "
            "rate limits on (chat.postMessage 1 a second per channel with a burst of 3; chat.update Tier 3, "
            "50 a minute for the workspace with a burst of 5; conversations.open Tier 3)",
            f"delivery is watched for {WINDOW:.0f} s at full size (until everything is in at smoke size): "
            "still queued is what waits its turn then, lost is what is neither received nor queued",
            "slowest channel: from the start of delivery to the last notice a case channel received",
        ],
    )  # fmt: skip
    partnership = load(PARTNERSHIP_FILE)
    for kind in databases.kinds():
        with databases.fresh(kind) as url, make_standin() as standin:
            table.add(kind, *_morning(standin, url, partnership, count, None if smoke else WINDOW))
    return [table]


def _morning(standin: SlackStandIn, url: str, partnership, count: int, window: float | None) -> list[object]:
    posted = {}
    for number in range(1, count + 1):
        channel = standin.add_channel(f"C{number:09d}", f"rr-{number}", members=["U0BOT"])
        posted[number] = standin.workspace.post(channel, "case card", None).ts
    database = Database(url)
    open_reviews(database, 1, count, posted)
    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": standin.api_url, "CSPR_CONFIG": str(PARTNERSHIP_FILE)}
    )
    clockwork = Clockwork(Services.assemble(partnership, database, SystemClock(), make_client(settings, quiet=True)))
    started = time.perf_counter()
    clockwork.plan(MORNING)
    claim_s = time.perf_counter() - started
    with database.transaction() as session:
        keys = set(session.scalars(select(OutboxMessage.key).where(OutboxMessage.kind == "notice")))
        cards = session.scalar(select(func.count()).select_from(Card).where(Card.synced_version < Card.version)) or 0
    standin.rate_limits.enabled = True
    calls_before = len(standin.calls)
    begun = time.monotonic()
    delivered = 0
    while (delivered < len(keys) + cards) if window is None else (time.monotonic() - begun < window):
        delivered += clockwork.services.delivery.drain(MORNING + timedelta(seconds=time.monotonic() - begun))
        time.sleep(0.2)
    watched = time.monotonic() - begun
    standin.rate_limits.enabled = False
    with database.transaction() as session:
        queued = (
            session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending"))
            or 0
        )
        queued += session.scalar(select(func.count()).select_from(Card).where(Card.synced_version < Card.version)) or 0
    database.dispose()
    posts = Counter(
        message.metadata["event_payload"]["key"]
        for channel in standin.channels.values()
        for message in channel.messages
        if message.metadata and "key" in message.metadata.get("event_payload", {})
    )
    received = len(keys & set(posts))
    edited = sum(
        1 for number in posted if (m := standin.workspace.find_message(f"C{number:09d}", posted[number])) and m.edits
    )
    calls = standin.calls[calls_before:]
    notices_at = [call.at for call in calls if call.ok and call.method == "chat.postMessage"]
    edits_at = [call.at for call in calls if call.ok and call.method == "chat.update"]
    last_at: dict[str, float] = {}
    for call in calls:
        channel = str(call.params.get("channel", ""))
        if call.ok and call.method == "chat.postMessage" and channel.startswith("C0") and len(channel) == 10:
            last_at[channel] = call.at
    slowest = max(last_at.values(), default=begun) - begun
    all_notices = (max(notices_at) - begun) if received == len(keys) and notices_at else float("nan")
    edit_minutes = ((max(edits_at) - begun) if window is None else watched) / 60
    duplicates = sum(times - 1 for key, times in posts.items() if key in keys and times > 1)
    lost = len(keys) + cards - received - edited - queued
    ratelimited = sum(1 for call in calls if call.http_status == 429)
    return [
        claim_s, len(keys), all_notices, cards, edited, (len(edits_at) / edit_minutes) if edits_at else 0.0,
        queued, duplicates, lost, ratelimited, slowest,
    ]  # fmt: skip

"""The stand-in enforces Slack's published rate limits when asked to, seen through a real slack_sdk client."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from bot.standin import SlackStandIn
from bot.standin.rate_limits import PER_CHANNEL_BURST, RateLimits

TOKEN = "xoxb-test"


@pytest.fixture
def standin():
    with SlackStandIn(bot_token=TOKEN) as running:
        for channel in ("C0ONE", "C0TWO"):
            running.add_channel(channel, channel.lower(), members=["U0BOT"])
        yield running


@pytest.fixture
def client(standin):
    return WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[])


def refused(client: WebClient, **arguments) -> str:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(**arguments)
    answer = raised.value.response
    assert (answer.status_code, answer.data["error"]) == (429, "ratelimited")
    return answer.headers["Retry-After"]


def test_off_by_default_so_tests_post_as_fast_as_they_like(standin, client):
    for number in range(10):
        client.chat_postMessage(channel="C0ONE", text=str(number))
    assert len(standin.messages("C0ONE")) == 10


def test_a_channel_takes_a_short_burst_then_about_one_message_a_second(standin, client):
    standin.rate_limits.enabled = True
    for number in range(PER_CHANNEL_BURST):
        client.chat_postMessage(channel="C0ONE", text=str(number))
    assert refused(client, channel="C0ONE", text="too soon") == "1"
    # Another channel has its own allowance; the refused message was not posted.
    client.chat_postMessage(channel="C0TWO", text="elsewhere")
    assert [m.text for m in standin.messages("C0ONE")] == [str(n) for n in range(PER_CHANNEL_BURST)]
    assert [(c.http_status, c.error) for c in standin.calls if c.params.get("channel") == "C0ONE"][-1] == (
        429,
        "ratelimited",
    )


def test_a_retry_after_the_wait_it_was_told_goes_through_once(standin):
    standin.rate_limits.enabled = True
    client = WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[RateLimitErrorRetryHandler(1)])
    started = time.monotonic()
    for number in range(PER_CHANNEL_BURST + 1):
        client.chat_postMessage(channel="C0ONE", text=str(number))
    assert time.monotonic() - started >= 0.9
    assert [m.text for m in standin.messages("C0ONE")] == [str(n) for n in range(PER_CHANNEL_BURST + 1)]


def test_other_methods_share_their_tier_across_the_workspace(standin, client):
    standin.rate_limits.enabled = True
    ts = [client.chat_postMessage(channel=channel, text="pin me")["ts"] for channel in ("C0ONE", "C0TWO")]
    client.pins_add(channel="C0ONE", timestamp=ts[0])
    client.pins_add(channel="C0TWO", timestamp=ts[1])  # Tier 2: a burst of two, in any channels
    with pytest.raises(SlackApiError) as raised:
        client.pins_add(channel="C0ONE", timestamp=ts[1])
    assert raised.value.response.status_code == 429
    assert int(raised.value.response.headers["Retry-After"]) == 3  # 20 a minute: one every 3 s
    client.auth_test()  # Tier 4, a bucket of its own


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("method", "per_minute", "burst"), [("pins.add", 20, 2), ("chat.update", 50, 5), ("views.publish", 100, 10)]
)
def test_each_tier_allows_its_calls_a_minute_after_its_burst(method, per_minute, burst):
    clock = Clock()
    limits = RateLimits(clock)
    limits.enabled = True
    allowed = 0
    while clock.now < 60:
        allowed += limits.allow(method, {}) is None
        clock.now += 0.01
    assert allowed == burst + per_minute - 1 or allowed == burst + per_minute


def test_a_channel_refills_at_one_message_a_second():
    clock = Clock()
    limits = RateLimits(clock)
    limits.enabled = True
    assert [limits.allow("chat.postMessage", {"channel": "C1"}) for _ in range(4)] == [None, None, None, 1]
    clock.now = 1.0
    assert limits.allow("chat.postMessage", {"channel": "C1"}) is None
    assert limits.allow("chat.postMessage", {"channel": "C1"}) == 1

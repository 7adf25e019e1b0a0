"""Slack's published Web API rate limits (api.slack.com/apis/rate-limits), for the stand-in to enforce.

Each method has a tier: a number of calls a minute for the workspace, with short bursts allowed.
`chat.postMessage` has its own limit instead: about one message a second in each channel. A call
beyond its limit is answered 429 with a `Retry-After` in whole seconds, and does nothing.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# Calls a minute, by tier.
TIERS = {1: 1, 2: 20, 3: 50, 4: 100}
# The tier of each method the bot or the tests call; any other is Tier 3, where most of Slack's are.
METHOD_TIERS = {
    "auth.test": 4,
    "apps.connections.open": 1,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "chat.postEphemeral": 4,
    "chat.update": 3,
    "conversations.archive": 2,
    "conversations.create": 2,
    "conversations.history": 3,
    "conversations.info": 3,
    "conversations.invite": 3,
    "conversations.list": 2,
    "conversations.members": 4,
    "conversations.open": 3,
    "conversations.replies": 3,
    "files.completeUploadExternal": 4,
    "files.getUploadURLExternal": 4,
    "pins.add": 2,
    "pins.list": 2,
    "users.info": 4,
    "views.open": 4,
    "views.publish": 4,
    "views.push": 4,
    "views.update": 4,
}
DEFAULT_TIER = 3
PER_CHANNEL = "chat.postMessage"
PER_CHANNEL_RATE = 1.0  # messages a second in one channel
PER_CHANNEL_BURST = 3


@dataclass
class _Bucket:
    """A token bucket: `capacity` calls at once, refilled at `rate` a second."""

    capacity: float
    rate: float
    tokens: float
    at: float

    def take(self, now: float) -> float:
        """0 if a call may go now (and it is counted), else the seconds until one may."""
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimits:
    """Off until switched on; `allow` answers each call at once, never waits."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = False
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def allow(self, method: str, params: dict) -> int | None:
        """None if the call may go now, else its Retry-After in seconds (at least 1)."""
        if not self.enabled:
            return None
        if method == PER_CHANNEL:
            key, capacity, rate = (method, str(params.get("channel", ""))), PER_CHANNEL_BURST, PER_CHANNEL_RATE
        else:
            per_minute = TIERS[METHOD_TIERS.get(method, DEFAULT_TIER)]
            # A tier's burst: a tenth of its minute's allowance, and at least one call.
            key, capacity, rate = (method, ""), max(1, per_minute // 10), per_minute / 60
        with self._lock:
            now = self._clock()
            bucket = self._buckets.setdefault(key, _Bucket(capacity, rate, capacity, now))
            wait = bucket.take(now)
        return None if wait == 0 else max(1, math.ceil(wait))

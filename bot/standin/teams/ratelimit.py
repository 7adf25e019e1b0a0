"""Teams' throttling of bots: messages per conversation, and requests per app in a tenant.

Teams documents several windows per conversation (7 in 1 s, 8 in 2 s, 60 in 30 s, 1800 in an
hour) and about 50 requests a second per app per tenant; each limit here is one window, sized
by the stand-in's parameters so tests can make it small.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    requests: int
    per_seconds: float


class Window:
    """A sliding window per key: how long a request must wait, and the record of those let through."""

    def __init__(self, limit: Limit):
        self.limit = limit
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait (at least 1) when `key` is at its limit, else None. Callers hold the lock."""
        now = time.monotonic()
        seen = self._seen[key]
        while seen and seen[0] <= now - self.limit.per_seconds:
            seen.popleft()
        if len(seen) < self.limit.requests:
            return None
        return max(1, math.ceil(seen[0] + self.limit.per_seconds - now))

    def count(self, key: str) -> None:
        self._seen[key].append(time.monotonic())

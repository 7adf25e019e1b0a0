"""Scheduled failures of Web API methods: rate limits, server errors, API errors, lost answers."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    kind: str  # "status" (an HTTP error), "error" (ok:false), "drop" (no answer) or "hang" (see below)
    status: int = 200
    retry_after: int | None = None
    error: str | None = None
    after_processing: bool = False  # for drops: the method runs, only the answer is lost


class Faults:
    """One queue per method, consumed in order, one fault per request."""

    def __init__(self, lock: threading.Condition):
        self._lock = lock
        self._queues: dict[str, deque[Fault]] = defaultdict(deque)
        # "hang" faults run the method, then hold the answer until released: the caller can be
        # killed while it waits, which is how a crash between sending and recording looks.
        self.released = threading.Event()

    def add(self, method: str, fault: Fault, times: int) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._queues[method].extend([fault] * times)

    def take(self, method: str) -> Fault | None:
        with self._lock:
            queue = self._queues.get(method)
            return queue.popleft() if queue else None

"""Requests still being handled after Slack got its answer, so shutdown (and anyone waiting for
the bot to settle) can wait for them to finish."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Activity:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._active = 0

    @contextmanager
    def track(self) -> Iterator[None]:
        with self._changed:
            self._active += 1
        try:
            yield
        finally:
            with self._changed:
                self._active -= 1
                self._changed.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._active == 0, timeout)

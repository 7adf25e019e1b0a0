"""A background thread that drains the outbox as soon as a request commits something to send,
so people see the effect of their click at once while their request has long been answered."""

from __future__ import annotations

import logging
import threading

from bot.clock import Clock
from bot.delivery.outbox import Delivery

log = logging.getLogger(__name__)
RETRY_SOONER_THAN = 60.0  # seconds: the tick's interval, after which the tick tries again anyway


class DeliveryWorker:
    def __init__(self, delivery: Delivery, clock: Clock) -> None:
        self._delivery = delivery
        self._clock = clock
        self._changed = threading.Condition()
        self._pending = False
        self._busy = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        with self._changed:
            self._pending = True
            self._changed.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once everything woken for has been attempted."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._pending and not self._busy, timeout)

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        again: float | None = None
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._pending or self._stopping, again)
                if self._stopping:
                    return
                self._pending = False
                self._busy = True
            try:
                self._delivery.drain(self._clock.now())
                again = self._until_next_attempt()
            except Exception:
                # The next wake or tick tries again; the outbox still holds everything.
                log.exception("delivery pass failed")
                again = None
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()

    def _until_next_attempt(self) -> float | None:
        """Seconds until something put off (a throttled call) may go, if that is before the next
        tick: then this thread goes back for it rather than leave it to the tick."""
        now = self._clock.now()
        due = self._delivery.next_attempt(now)
        if due is None:
            return None
        wait = (due - now).total_seconds()
        return max(0.05, wait) if wait < RETRY_SOONER_THAN else None

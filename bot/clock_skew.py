"""How far the host clock is from Slack's, judged from the times Slack puts on what it sends.

Slack refuses nothing over a wrong host clock: the bot does, because a signed request more than 5
minutes from the host clock may be a replay. So a drifting clock looks like Slack having stopped
talking to the bot, unless someone says so: one warning when the clocks part by more than a
minute, one line when they agree again, and the difference on `/healthz` in between.
"""

from __future__ import annotations

import logging
import threading
import time
from email.utils import parsedate_to_datetime

log = logging.getLogger("cspr-bot")

TOLERANCE = 60  # seconds; network delay and the Date header's whole seconds stay far below it


class ClockSkew:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset: float | None = None  # Slack's clock minus the host's, while beyond the tolerance

    def observe(self, slack_time: float, source: str) -> None:
        """Slack's clock read `slack_time` (seconds since the epoch) just now, according to `source`."""
        offset = slack_time - time.time()
        off = abs(offset) > TOLERANCE
        with self._lock:
            was_off = self._offset is not None
            self._offset = offset if off else None
        if off and not was_off:
            log.warning(
                "%s, judged by %s. Slack's requests more than 300 s from the host clock are refused: "
                "set the host clock right (NTP)",
                _describe(offset),
                source,
            )
        elif was_off and not off:
            log.info("the host clock agrees with Slack's again (judged by %s)", source)

    def observe_date(self, value: str | None) -> None:
        """The `Date` header of a Web API answer."""
        try:
            moment = parsedate_to_datetime(value or "")
        except (TypeError, ValueError):
            return
        self.observe(moment.timestamp(), "the Date of Slack's Web API answers")

    @property
    def problem(self) -> str | None:
        with self._lock:
            return None if self._offset is None else _describe(self._offset)


def _describe(offset: float) -> str:
    return f"the host clock is {abs(offset):.0f} s {'behind' if offset > 0 else 'ahead of'} Slack's"

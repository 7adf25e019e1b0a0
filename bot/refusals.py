"""Refused HTTP requests in the log: one short line each, with why, the size and the Slack team id
(when the body names one), and at most a few a minute, so a flood cannot fill the disk.

Nothing else of a refused request is logged: with a rotated signing secret or a drifted host clock
every real request is refused, and its body may be a referral with a child's initials in it.
"""

from __future__ import annotations

import logging
import re
import threading
import time

from slack_bolt.request.internals import extract_team_id, parse_body

log = logging.getLogger("cspr-bot")

LINES_PER_MINUTE = 10
_TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,20}")


class RefusalLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window_ends = 0.0
        self._lines = 0
        self._unlogged = 0

    def note(self, status: int, why: str, size: int, team: str | None = None) -> None:
        now = time.monotonic()
        with self._lock:
            if now >= self._window_ends:
                unlogged, self._unlogged = self._unlogged, 0
                self._window_ends, self._lines = now + 60, 0
            else:
                unlogged = 0
            logged = self._lines < LINES_PER_MINUTE
            self._lines += logged
            self._unlogged += not logged
        if unlogged:
            log.warning("refused %d more requests in the minute before, without a line each", unlogged)
        if logged:
            log.warning(
                "refused a request with %d: %s (%d bytes%s)", status, why, size, f", team {team}" if team else ""
            )


def team_of(body: bytes, content_type: str | None) -> str | None:
    """The team id a request body names, if it looks like one; nothing else is taken from it."""
    try:
        team = extract_team_id(parse_body(body.decode("utf-8", "replace"), content_type))
    except Exception:  # a body that does not parse has no team id, whatever it is made of
        return None
    return team if isinstance(team, str) and _TEAM_ID.fullmatch(team) else None

"""The Slack Web API client, and what a failed call means for trying again."""

from __future__ import annotations

import http.client
import logging
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler

from bot.clock_skew import ClockSkew
from bot.platforms.port import CallFailure
from bot.settings import Settings

# Errors after which Slack may or may not have acted: check before sending again.
_UNCERTAIN_ERRORS = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
# Errors about the app's token or setup rather than the message: once an administrator fixes
# them, everything waiting must still go out, so they are retried rather than given up on.
_SETUP_ERRORS = {
    "not_authed",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "org_login_required",
    "team_access_not_granted",
}


def make_client(settings: Settings, skew: ClockSkew | None = None, *, quiet: bool = False) -> WebClient:
    """`quiet`: for a caller that reports a failed call itself; slack_sdk logs an error for each one."""
    # Only 429s are retried inside the call: Slack did nothing, and Retry-After says when to come
    # back. A dropped connection or a 5xx may hide a message that was posted, so those go back to
    # the outbox, which looks before it posts again (slack_sdk's default connection-error retry
    # would post twice).
    handlers: list[RetryHandler] = [RateLimitErrorRetryHandler(max_retry_count=1)]
    if skew is not None:
        handlers.insert(0, _DateWatch(skew))
    return WebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        timeout=10,
        retry_handlers=handlers,
        logger=_QUIET if quiet else None,
    )


def without_waiting(client: WebClient) -> WebClient:
    """The same client, answering a 429 at once: delivery then puts that one item off until its
    Retry-After and goes on with the others, where a wait inside the call would hold them all up.
    (A request's own calls, such as opening a form, keep the wait: they have no queue to go back to.)"""
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        retry_handlers=[h for h in client.retry_handlers if not isinstance(h, RateLimitErrorRetryHandler)],
        logger=client.logger,
    )


_QUIET = logging.getLogger("cspr-bot.quiet-slack-client")
_QUIET.disabled = True


class _DateWatch(RetryHandler):
    """Reads the Date of every Web API answer and never asks for a retry: slack_sdk shows every
    answer to its retry handlers, including those of the client Bolt makes for each request, and
    offers no other hook that does."""

    def __init__(self, skew: ClockSkew) -> None:
        super().__init__(max_retry_count=0)
        self._skew = skew

    def can_retry(self, *, response: Any = None, **_: Any) -> bool:
        if response is not None:
            dates = response.headers.get("Date") or response.headers.get("date") or [None]
            self._skew.observe_date(dates[0])
        return False


def slack_error(exc: SlackApiError) -> str:
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    return str(data.get("error") or f"http_{exc.response.status_code}")


def classify(exc: Exception) -> CallFailure | None:
    """What a failed Web API call means, or None for an exception that is not about Slack."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = slack_error(exc)
        if status == 429:
            retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
            return CallFailure(
                error="ratelimited", permanent=False, maybe_done=False, retry_after=_seconds(retry_after)
            )
        if status >= 500:
            return CallFailure(error=f"http_{status}", permanent=False, maybe_done=True)
        if error in _UNCERTAIN_ERRORS:
            return CallFailure(error=error, permanent=False, maybe_done=True)
        if error in _SETUP_ERRORS:
            return CallFailure(error=error, permanent=False, maybe_done=False)
        return CallFailure(error=error, permanent=True, maybe_done=False)
    if isinstance(exc, (URLError, http.client.HTTPException, ConnectionError, TimeoutError)):
        return CallFailure(error=type(exc).__name__, permanent=False, maybe_done=True)
    return None


def unreachable_reason(exc: Exception) -> str:
    """Why a call got no answer from Slack, in a few words: "Connection refused", "timed out"."""
    reason: object = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__


def _seconds(value: object) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(0, int(str(value)))
    except (TypeError, ValueError):
        return None

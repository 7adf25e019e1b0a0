"""The wrapper around every listener: nothing escapes it, every failure gets a clear answer.

Bolt answers Slack once `ack()` is called; an exception after that would leave the user with a
silent failure (or a 404 after 3 s), so each listener body runs inside `guarded`.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.desk import REQUEST_DEADLINE, DatabaseUnavailable
from bot.outcomes import Done, Invalid, Outcome, Refused
from bot.services import Services
from messages import render

log = logging.getLogger(__name__)

DATABASE_DOWN = "The case database is not answering just now, so nothing was saved. Please try again in a minute."
DATABASE_SLOW = (
    "The case database stopped answering, so this may or may not have been saved. If you do not see "
    "the change in a minute, please do it again: doing it twice is safe."
)


@dataclass
class Incoming:
    """One request from Slack, with what a listener needs to answer it."""

    body: dict[str, Any]
    client: WebClient
    services: Services
    now: datetime
    _ack: Ack
    _respond: Respond | None
    acked: bool = field(default=False)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.services.partnership.timezone).date()

    @property
    def user(self) -> str:
        user = self.body.get("user")
        return user["id"] if isinstance(user, dict) else str(self.body.get("user_id", ""))

    def ack(self, **response: Any) -> None:
        self.acked = True
        self._ack(**response)

    def metadata(self) -> dict[str, Any]:
        """The private metadata a modal was opened with (ours, but it travels through Slack)."""
        try:
            value = json.loads(self.body["view"].get("private_metadata") or "{}")
        except (KeyError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def run(self, usecase: Callable[..., Outcome], **arguments: Any) -> Outcome:
        return self.services.desk.run(self.now, usecase, self.user, deadline=REQUEST_DEADLINE, **arguments)

    def tell(self, text: str) -> None:
        """An ephemeral answer to this user, by the quickest way this kind of request allows."""
        message = render("reply", text=text)
        if not self.acked and self.body.get("command"):
            self.ack(**message)
            return
        if not self.acked:
            self.ack()
        if self._respond is not None and self.body.get("response_url"):
            self._respond(response_type="ephemeral", replace_original=False, **message)
            return
        channel = self.metadata().get("channel")
        if channel:
            try:
                self.client.chat_postEphemeral(channel=channel, user=self.user, **message)
                return
            except Exception:
                log.info("ephemeral answer not possible in %s; sending a direct message", channel)
        self.client.chat_postMessage(channel=self.user, **message)

    def replace(self, message: dict[str, Any]) -> None:
        """Replace the (ephemeral) message whose button was pressed."""
        if self._respond is not None and self.body.get("response_url"):
            self._respond(replace_original=True, **message)

    def show(self, outcome: Outcome) -> None:
        """Answer a button or command with the outcome of a use case."""
        if isinstance(outcome, Refused):
            self.tell(outcome.reason)
        elif isinstance(outcome, Invalid):
            self.tell(" ".join(outcome.errors.values()))
        elif isinstance(outcome, Done) and outcome.reply:
            self.tell(outcome.reply)
        elif not self.acked:
            self.ack()

    def answer_form(self, outcome: Outcome) -> None:
        """Answer a modal submission: close it when done, else keep it open with the errors."""
        if isinstance(outcome, Invalid):
            self.ack(response_action="errors", errors=outcome.errors)
        elif isinstance(outcome, Refused):
            self.refuse_form(outcome.reason)
        else:
            self.ack()
            if isinstance(outcome, Done) and outcome.reply and self.metadata().get("channel"):
                self.tell(outcome.reply)

    def refuse_form(self, reason: str) -> None:
        block = first_input_block(self.body.get("view") or {})
        if block:
            self.ack(response_action="errors", errors={block: reason})
        else:
            self.ack()
            self.tell(reason)


def first_input_block(view: dict[str, Any]) -> str | None:
    return next((b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"), None)


def guarded(listener: Callable[[Incoming], None]) -> Callable[..., None]:
    def run(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
        services: Services = context["services"]
        incoming = Incoming(
            body=body, client=client, services=services, now=services.clock.now(), _ack=ack, _respond=respond
        )
        try:
            with services.activity.track():
                listener(incoming)
        except DatabaseUnavailable as down:
            log.warning("database unavailable during %s", listener.__name__)
            _answer_failure(incoming, DATABASE_SLOW if down.maybe_saved else DATABASE_DOWN)
        except Exception:
            reference = secrets.token_hex(4)
            log.exception("%s failed, reference %s", listener.__name__, reference)
            _answer_failure(
                incoming,
                f"Something went wrong (reference {reference}). Please try again; if it happens again, "
                "give this reference to the PPRG business manager.",
            )

    run.__name__ = listener.__name__
    run.__qualname__ = listener.__qualname__
    return run


def _answer_failure(incoming: Incoming, text: str) -> None:
    try:
        if not incoming.acked and incoming.body.get("type") == "view_submission":
            incoming.refuse_form(text)
        elif incoming.body.get("type") != "event_callback":
            incoming.tell(text)
        elif not incoming.acked:
            incoming.ack()
    except Exception:
        log.exception("could not tell the user about a failure")

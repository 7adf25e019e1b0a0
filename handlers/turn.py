"""One request from a person, whichever platform it came from: what a listener reads from it and
how it answers. Listeners speak only this; handlers/slack and handlers/teams make it of a Slack
request or a Teams activity.

Nothing escapes `handle`: every failure gets a clear answer, never a stack trace.
"""

from __future__ import annotations

import json
import logging
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

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
class Incoming(ABC):
    services: Services
    now: datetime

    # what was asked

    @property
    def today(self) -> date:
        return self.now.astimezone(self.services.partnership.timezone).date()

    @property
    @abstractmethod
    def user(self) -> str:
        """Who is asking, as the partnership file names people."""

    @property
    @abstractmethod
    def channel(self) -> str:
        """The conversation the command, button or form was used in ("" if none)."""

    @property
    @abstractmethod
    def kind(self) -> str:
        """What it is: a command, a button, a form or an event."""

    @abstractmethod
    def command_words(self) -> list[str]:
        """The words typed after the command."""

    @abstractmethod
    def pressed(self) -> tuple[str, str]:
        """The button pressed: its action id and its value."""

    @abstractmethod
    def form_values(self) -> dict[str, Any]:
        """A submitted form's fields as {field: text, ISO date, option value or list of them}.
        A value of the wrong shape (only a tampered request sends one) counts as not filled in."""

    @abstractmethod
    def raw_metadata(self) -> str:
        """What the form was opened with (ours, but it travels through the platform)."""

    @property
    @abstractmethod
    def form_id(self) -> str | None:
        """The platform's id for this opening of a form: the same however often it is submitted."""

    def metadata(self) -> dict[str, Any]:
        try:
            value = json.loads(self.raw_metadata() or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    # answering

    def render(self, template: str, **values: Any) -> dict[str, Any]:
        return render(template, platform=self.services.partnership.platform, **values)

    def run(self, usecase: Callable[..., Outcome], **arguments: Any) -> Outcome:
        return self.services.desk.run(self.now, usecase, self.user, deadline=REQUEST_DEADLINE, **arguments)

    @abstractmethod
    def ack(self) -> None:
        """Tell the platform the request arrived, with nothing to show."""

    @abstractmethod
    def reply(self, message: dict[str, Any]) -> None:
        """Answer a command with a message for the person who typed it."""

    @abstractmethod
    def tell(self, text: str) -> None:
        """A few words for this person only, by the quickest way this kind of request allows."""

    @abstractmethod
    def replace(self, message: dict[str, Any]) -> None:
        """Show `message` in place of the one whose button was pressed, to this person."""

    @abstractmethod
    def open_form(self, template: str, **values: Any) -> None:
        """Open a form (`values` as its template takes them, with `metadata`)."""

    @abstractmethod
    def update_form(self, template: str, **values: Any) -> None:
        """Show the form the person is in again, differently (a search form's next page)."""

    @abstractmethod
    def form_errors(self, errors: dict[str, str]) -> None:
        """Keep the submitted form open, with these errors next to their fields."""

    @abstractmethod
    def close_form(self) -> None:
        """The form was accepted: close it."""

    def show(self, outcome: Outcome) -> None:
        """Answer a button or command with the outcome of a use case."""
        if isinstance(outcome, Refused):
            self.tell(outcome.reason)
        elif isinstance(outcome, Invalid):
            self.tell(" ".join(outcome.errors.values()))
        elif isinstance(outcome, Done) and outcome.reply:
            self.tell(outcome.reply)
        else:
            self.ack()

    def answer_form(self, outcome: Outcome) -> None:
        """Answer a form: close it when done, else keep it open with the errors."""
        if isinstance(outcome, Invalid):
            self.form_errors(outcome.errors)
        elif isinstance(outcome, Refused):
            self.refuse_form(outcome.reason)
        else:
            self.close_form()
            if isinstance(outcome, Done) and outcome.reply and self.metadata().get("channel"):
                self.tell(outcome.reply)

    @abstractmethod
    def refuse_form(self, reason: str) -> None:
        """Keep the form open with `reason` shown on it, or close it and say why."""


def handle(incoming: Incoming, listener: Callable[[Incoming], None]) -> None:
    """Run a listener; whatever goes wrong, the person gets a clear answer and the log one line."""
    try:
        with incoming.services.activity.track():
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


def _answer_failure(incoming: Incoming, text: str) -> None:
    try:
        if incoming.kind == "form":
            incoming.refuse_form(text)
        elif incoming.kind != "event":
            incoming.tell(text)
        else:
            incoming.ack()
    except Exception:
        log.exception("could not tell the user about a failure")

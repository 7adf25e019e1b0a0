"""A Teams activity as an `Incoming`: a message to the bot is a command, an Action.Execute or a
dialog's task/fetch is a button, a task/submit is a form. Invokes are answered in the HTTP
response (`response`); messages are answered in the conversation.

Teams sends a dialog back only what is on it, so a submission that needs correcting is shown
again by asking its opener (the button or command that opened it) for the same form once more,
with the errors and what was typed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.platforms.teams.messenger import ADAPTIVE_CARD, TeamsMessenger
from handlers.turn import Incoming

MESSAGE = "application/vnd.microsoft.activity.message"
# What a dialog's submit carries besides its inputs.
RESERVED = {"form", "metadata", "form_id", "opener", "multi", "verb", "value", "msteams"}
_AT = re.compile(r"<at>.*?</at>")


@dataclass
class TeamsIncoming(Incoming):
    activity: dict[str, Any] = field(default_factory=dict)
    messenger: TeamsMessenger | None = None
    # How a listener is found for a button's verb or a form's id, to show a form again.
    reopen: Callable[[TeamsIncoming], None] | None = None
    response: dict[str, Any] | None = None
    # A form being shown again: its id, its errors and what was typed.
    again: tuple[str, dict[str, str], dict[str, Any]] | None = None
    words: list[str] | None = None  # a command asked for again from a form button

    @property
    def name(self) -> str:
        return str(self.activity.get("name") or "")

    @property
    def data(self) -> dict[str, Any]:
        value = self.activity.get("value") if isinstance(self.activity.get("value"), dict) else {}
        data = (value.get("action") or {}).get("data") if self.name == "adaptiveCard/action" else value.get("data")
        return data if isinstance(data, dict) else {}

    @property
    def user(self) -> str:
        sender = self.activity.get("from") or {}
        return str(sender.get("aadObjectId") or "")[:64]

    @property
    def channel(self) -> str:
        conversation = self.activity.get("conversation") or {}
        return str(conversation.get("id") or "").partition(";")[0][:128]

    @property
    def kind(self) -> str:
        if self.activity.get("type") == "message":
            return "command"
        if self.name == "task/submit" and "verb" not in self.data:
            return "form"
        if self.name in ("adaptiveCard/action", "task/fetch", "task/submit"):
            return "button"
        return "event"

    def command_words(self) -> list[str]:
        if self.words is not None:
            return self.words
        text = _AT.sub(" ", str(self.activity.get("text") or ""))
        words = text.split()
        # People used to Slack type the command's name too.
        return words[1:] if words[:1] in (["/cspr"], ["cspr"]) else words

    def pressed(self) -> tuple[str, str]:
        if self.name == "adaptiveCard/action":
            action = (self.activity.get("value") or {}).get("action") or {}
            return str(action.get("verb") or ""), _text(self.data.get("value"))
        return _text(self.data.get("verb")), _text(self.data.get("value"))

    def form_values(self) -> dict[str, Any]:
        multi = self.data.get("multi") if isinstance(self.data.get("multi"), list) else []
        values: dict[str, Any] = {}
        for key, value in self.data.items():
            if key in RESERVED or not isinstance(key, str):
                continue
            if not isinstance(value, str):
                values[key] = None
            elif key in multi:
                values[key] = [part for part in value.split(",") if part]
            else:
                values[key] = value
        return values

    def raw_metadata(self) -> str:
        return _text(self.data.get("metadata"))

    @property
    def form_id(self) -> str | None:
        """The id given to the dialog when it opened, which its submit carries back. The client
        sends it, so it is the person's own: nobody can submit into someone else's form."""
        raw = self._raw_form_id()
        return f"{self.user}:{raw}" if raw else None

    # answering

    def ack(self) -> None:
        """An invoke with nothing to show is answered with an empty 200."""

    def reply(self, message: dict[str, Any]) -> None:
        if self.activity.get("type") == "message":
            assert self.messenger is not None
            self.messenger.reply(self.channel, self.activity, message)
        else:
            self.replace(message)

    def tell(self, text: str) -> None:
        if self.name == "adaptiveCard/action":
            self.response = {"statusCode": 200, "type": MESSAGE, "value": text}
        elif self.name.startswith("task/"):
            self.response = {"task": {"type": "message", "value": text}}
        elif self.activity.get("type") == "message":
            self.reply(self.render("reply", text=text))

    def replace(self, message: dict[str, Any]) -> None:
        if self.name == "adaptiveCard/action":
            self.response = {"statusCode": 200, "type": ADAPTIVE_CARD, "value": message["card"]}
        else:
            self.tell(message.get("text", ""))

    def open_form(self, template: str, **values: Any) -> None:
        if self.activity.get("type") == "message":
            # Teams opens dialogs only from a button: offer one that asks for this command again.
            self.reply(
                self.render(
                    "form_button", title="Press the button to open the form.", words=" ".join(self.command_words())
                )
            )
            return
        if not self.name.startswith("task/"):
            self.tell("This opens a form: use the button on the newest card.")
            return
        form_id, errors, typed = self.again or (secrets.token_hex(8), {}, {})
        dialog = self.render(template, errors=errors, values=typed, **values)
        self._mark(dialog["card"], form_id)
        self.response = {
            "task": {
                "type": "continue",
                "value": {"title": dialog["title"], "card": {"contentType": ADAPTIVE_CARD, "content": dialog["card"]}},
            }
        }

    def _mark(self, card: dict[str, Any], form_id: str) -> None:
        """What the dialog's submit brings back: this opening's id, who opened it (to show it
        again), and which inputs take several choices."""
        opener = (
            {"words": self.command_words()}
            if self.kind == "command" or self.words
            else dict(zip(("verb", "value"), self.pressed(), strict=True))
        )
        multi = [i["id"] for i in _inputs(card) if i.get("type") == "Input.ChoiceSet" and i.get("isMultiSelect")]
        for action in _submits(card):
            action.setdefault("data", {}).update(form_id=form_id, opener=opener, multi=multi)

    def _raw_form_id(self) -> str | None:
        form_id = self.data.get("form_id")
        return form_id if isinstance(form_id, str) and 0 < len(form_id) <= 16 else None

    def update_form(self, template: str, **values: Any) -> None:
        keep = self._raw_form_id() or secrets.token_hex(8)
        self.again = (keep, {}, {k: v for k, v in self.form_values().items() if isinstance(v, str)})
        self.open_form(template, **values)

    def form_errors(self, errors: dict[str, str]) -> None:
        opener = self.data.get("opener") if isinstance(self.data.get("opener"), dict) else {}
        if self.reopen is None or not opener:
            self.tell(" ".join(errors.values()))
            return
        typed = {k: ",".join(v) if isinstance(v, list) else v for k, v in self.form_values().items() if v}
        words = opener.get("words")
        asked = TeamsIncoming(
            services=self.services,
            now=self.now,
            activity={
                **self.activity,
                "name": "task/fetch",
                "value": {"data": {"verb": _text(opener.get("verb")), "value": _text(opener.get("value"))}},
            },
            messenger=self.messenger,
            reopen=self.reopen,
            again=(self._raw_form_id() or secrets.token_hex(8), errors, typed),
            words=[_text(w) for w in words] if isinstance(words, list) else None,
        )
        self.reopen(asked)
        self.response = asked.response

    def close_form(self) -> None:
        self.response = None

    def refuse_form(self, reason: str) -> None:
        self.response = {"task": {"type": "message", "value": reason}}


def _text(value: Any) -> str:
    return value[:2000] if isinstance(value, str) else ""


def _walk(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def _inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in _walk(card.get("body", [])) if str(n.get("type", "")).startswith("Input.")]


def _submits(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in _walk(card) if n.get("type") == "Action.Submit"]

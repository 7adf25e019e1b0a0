"""A Slack request as an `Incoming`, and `guarded`, the wrapper around every Bolt listener.

Bolt answers Slack once `ack()` is called; an exception after that would leave the person with a
silent failure (or a 404 after 3 s), so each listener body runs inside `handle`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.services import Services
from handlers.turn import Incoming, handle

log = logging.getLogger(__name__)

_KINDS = {"view_submission": "form", "block_actions": "button", "event_callback": "event"}


@dataclass
class SlackIncoming(Incoming):
    body: dict[str, Any] = field(default_factory=dict)
    client: WebClient | None = None
    _ack: Ack | None = None
    _respond: Respond | None = None
    acked: bool = False

    @property
    def user(self) -> str:
        user = self.body.get("user")
        return user["id"] if isinstance(user, dict) else str(self.body.get("user_id", ""))

    @property
    def channel(self) -> str:
        body = self.body
        channel = (
            (body.get("channel") or {}).get("id")
            or (body.get("container") or {}).get("channel_id")
            or body.get("channel_id")
        )
        return channel if isinstance(channel, str) else ""

    @property
    def kind(self) -> str:
        return "command" if self.body.get("command") else _KINDS.get(str(self.body.get("type")), "event")

    def command_words(self) -> list[str]:
        return str(self.body.get("text") or "").split()

    def pressed(self) -> tuple[str, str]:
        action = (self.body.get("actions") or [{}])[0]
        return str(action.get("action_id", "")), str(action.get("value") or "")

    def form_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        state = (self.body.get("view") or {}).get("state")
        blocks = state.get("values") if isinstance(state, dict) else None
        for block_id, elements in blocks.items() if isinstance(blocks, dict) else ():
            for element in elements.values() if isinstance(elements, dict) else ():
                if isinstance(element, dict):
                    values[block_id] = _element_value(element)
        return values

    def raw_metadata(self) -> str:
        metadata = (self.body.get("view") or {}).get("private_metadata")
        return metadata if isinstance(metadata, str) else ""

    @property
    def form_id(self) -> str | None:
        """Slack's id for the submitted view (short; a longer one was not made by Slack)."""
        view_id = (self.body.get("view") or {}).get("id")
        return view_id if isinstance(view_id, str) and 0 < len(view_id) <= 64 else None

    # answering

    def _acknowledge(self, **response: Any) -> None:
        self.acked = True
        assert self._ack is not None
        self._ack(**response)

    def ack(self) -> None:
        if not self.acked:
            self._acknowledge()

    def reply(self, message: dict[str, Any]) -> None:
        self._acknowledge(**message)

    def tell(self, text: str) -> None:
        message = self.render("reply", text=text)
        if not self.acked and self.body.get("command"):
            self._acknowledge(**message)
            return
        self.ack()
        if self._respond is not None and self.body.get("response_url"):
            self._respond(response_type="ephemeral", replace_original=False, **message)
            return
        channel = self.metadata().get("channel")
        assert self.client is not None
        if channel:
            try:
                self.client.chat_postEphemeral(channel=channel, user=self.user, **message)
                return
            except Exception:
                log.info("ephemeral answer not possible in %s; sending a direct message", channel)
        self.client.chat_postMessage(channel=self.user, **message)

    def replace(self, message: dict[str, Any]) -> None:
        if self._respond is not None and self.body.get("response_url"):
            self._respond(replace_original=True, **message)

    def open_form(self, template: str, **values: Any) -> None:
        # The trigger expires 3 s after the click or command: acknowledge, then open straight away.
        self.ack()
        assert self.client is not None
        self.client.views_open(trigger_id=self.body["trigger_id"], view=self.render(template, **values))

    def update_form(self, template: str, **values: Any) -> None:
        view = self.body.get("view") or {}
        if self.kind == "form":
            self._acknowledge(response_action="update", view=self.render(template, **values))
            return
        self.ack()
        assert self.client is not None
        self.client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=self.render(template, **values))

    def form_errors(self, errors: dict[str, str]) -> None:
        self._acknowledge(response_action="errors", errors=errors)

    def close_form(self) -> None:
        self.ack()

    def refuse_form(self, reason: str) -> None:
        block = _first_input_block(self.body.get("view") or {})
        if block and not self.acked:
            self.form_errors({block: reason})
        else:
            self.ack()
            self.tell(reason)


def _first_input_block(view: dict[str, Any]) -> str | None:
    return next((b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"), None)


def _element_value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("plain_text_input", "url_text_input", "datepicker"):
        value = element.get("selected_date" if kind == "datepicker" else "value")
        return value if isinstance(value, str) else None
    if kind in ("static_select", "radio_buttons"):
        return _option_value(element.get("selected_option"))
    if kind == "users_select":
        user = element.get("selected_user")
        return user if isinstance(user, str) else None
    if kind in ("multi_static_select", "checkboxes"):
        options = element.get("selected_options")
        chosen = [_option_value(option) for option in options] if isinstance(options, list) else []
        return [value for value in chosen if value is not None]
    return None


def _option_value(option: Any) -> str | None:
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def guarded(listener: Callable[[Incoming], None]) -> Callable[..., None]:
    def run(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
        services: Services = context["services"]
        incoming = SlackIncoming(
            services=services, now=services.clock.now(), body=body, client=client, _ack=ack, _respond=respond
        )
        if incoming.kind == "button":
            # A click's acknowledgement carries nothing, so Slack hears at once and the checks and
            # the answer (a form, a message) follow, well within the trigger's 3 seconds.
            incoming.ack()
        handle(incoming, listener)

    run.__name__ = listener.__name__
    run.__qualname__ = listener.__qualname__
    return run

"""Simulated people: slash commands, clicks, form submissions and Home tab visits, sent to the
app as Slack sends them, signed with the app's signing secret."""

from __future__ import annotations

import copy
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from . import response_urls
from .errors import SlackError
from .modals import checked, push_modal, replace_view
from .payloads import action_json, describe_click, find_clickable, person, submission_state, team
from .shapes import message_json
from .state import View
from .to_app import Response, post

if TYPE_CHECKING:
    from .standin import SlackStandIn

FORM = "application/x-www-form-urlencoded"


def http_body(kind: str, payload: dict) -> tuple[bytes, str]:
    """How Slack carries a request of Socket Mode's envelope type `kind` over HTTP, and its content type."""
    if kind == "slash_commands":
        return urlencode(payload).encode(), FORM
    if kind == "interactive":
        return urlencode({"payload": json.dumps(payload)}).encode(), FORM
    return json.dumps(payload).encode(), "application/json"


def send_signed(
    url: str,
    signing_secret: str,
    body: bytes,
    content_type: str,
    *,
    timestamp: int | str | None = None,
    signature: str | None = None,
    omit_headers: bool = False,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Response:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    sent = {"Content-Type": content_type, **(headers or {})}
    if not omit_headers:
        sent["X-Slack-Request-Timestamp"] = stamp
        sent["X-Slack-Signature"] = signature or SignatureVerifier(signing_secret).generate_signature(
            timestamp=stamp, body=body
        )
    return post(url, body, sent, timeout=timeout)


class SlackUser:
    """One person in the workspace, acting through Slack's client."""

    def __init__(self, standin: SlackStandIn, user_id: str):
        self._standin = standin
        self._ws = standin.workspace
        self.id = user_id
        if user_id not in self._ws.users:
            raise LookupError(f"no user {user_id}: add_user it first")

    @property
    def name(self) -> str:
        return self._ws.user_name(self.id)

    def command(self, command: str, text: str = "", *, channel_id: str) -> Response:
        ws = self._ws
        with ws.cond:
            channel = ws.channels.get(channel_id)
            if channel is None or not ws.can_see(self.id, channel):
                raise LookupError(f"@{self.name} cannot type in {channel_id}")
            url_id = ws.issue_response_url(self.id, channel_id)
            channel_name = "directmessage" if channel.is_im else "privategroup" if channel.is_private else channel.name
            fields = {
                "token": self._standin.verification_token,
                "team_id": ws.team_id,
                "team_domain": ws.team_domain,
                "channel_id": channel_id,
                "channel_name": channel_name,
                "user_id": self.id,
                "user_name": self.name,
                "command": command,
                "text": text,
                "api_app_id": ws.app_id,
                "is_enterprise_install": "false",
                "response_url": self._standin.response_url(url_id),
                "trigger_id": ws.issue_trigger(self.id),
            }
            ws.record("command", ws.display_channel(channel_id), self.name, f"{command} {text}".strip())
        response = self._standin.send_to_app("slash_commands", fields)
        # A JSON answer to a slash command is shown like a post to its response_url.
        if response.status == 200 and isinstance(response.json, dict):
            response_urls.deliver(ws, url_id, response.json)
        return response

    def click(
        self,
        action_id: str,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
        value: Any = None,
        ephemeral: bool = False,
    ) -> Response:
        """Click a button (or pick from a select/datepicker) that is really on screen; with
        `ephemeral`, on a message only this person sees."""
        ws = self._ws
        with ws.cond:
            target = find_clickable(
                ws,
                self.id,
                action_id,
                channel_id=channel_id,
                message_ts=message_ts,
                view_id=view_id,
                value=value,
                ephemeral=ephemeral,
            )
            payload: dict = {
                "type": "block_actions",
                "user": person(ws, self.id),
                "api_app_id": ws.app_id,
                "token": self._standin.verification_token,
                "trigger_id": ws.issue_trigger(self.id),
                "team": team(ws),
                "enterprise": None,
                "is_enterprise_install": False,
                "state": {"values": {}},
                "actions": [action_json(target, value)],
            }
            if target.view is not None:
                payload["container"] = {"type": "view", "view_id": target.view.id}
                payload["view"] = copy.deepcopy(target.view.view)
                where = ""
            elif target.ephemeral is not None:
                # Slack sends no copy of an ephemeral message, only where it was and a response_url.
                shown = target.ephemeral
                payload["container"] = {
                    "type": "message",
                    "message_ts": shown.ts,
                    "channel_id": shown.channel,
                    "is_ephemeral": True,
                }
                channel = ws.channels.get(shown.channel)
                payload["channel"] = {"id": shown.channel, "name": channel.name if channel else ""}
                payload["response_url"] = self._standin.response_url(
                    ws.issue_response_url(self.id, shown.channel, shown.ts)
                )
                where = ws.display_channel(shown.channel)
            else:
                message = target.message
                payload["container"] = {
                    "type": "message",
                    "message_ts": message.ts,
                    "channel_id": message.channel,
                    "is_ephemeral": False,
                }
                channel = ws.channels[message.channel]
                payload["channel"] = {"id": channel.id, "name": "directmessage" if channel.is_im else channel.name}
                payload["message"] = message_json(ws, message)
                payload["response_url"] = self._standin.response_url(
                    ws.issue_response_url(self.id, message.channel, message.ts)
                )
                where = ws.display_channel(message.channel)
            ws.record("click", where, self.name, describe_click(target, value, ws.names()))
        return self._send_payload(payload)

    def submit(self, view_id: str, values: dict[str, Any] | None = None) -> Response:
        """Fill in and submit the top modal; the app's answer decides what the person sees next."""
        ws = self._ws
        with ws.cond:
            view = self._top_modal(view_id)
            state, shown = submission_state(view.view, values, ws.names())
            sent = copy.deepcopy(view.view)
            sent["state"] = {"values": state}
            title = (view.view.get("title") or {}).get("text", "")
            ws.record("submit", "", self.name, f"submitted '{title}'" + (f" ({'; '.join(shown)})" if shown else ""))
        response = self.send_submission(sent)
        with ws.cond:
            self._after_submission(view, response)
        return response

    def send_submission(self, view: dict) -> Response:
        """A view_submission of `view` exactly as given, state and all, with none of the client's
        checks: what a tampered or broken client could send."""
        ws = self._ws
        with ws.cond:
            payload = {
                "type": "view_submission",
                "team": team(ws),
                "user": person(ws, self.id),
                "api_app_id": ws.app_id,
                "token": self._standin.verification_token,
                "trigger_id": ws.issue_trigger(self.id),
                "view": view,
                "response_urls": [],
                "enterprise": None,
                "is_enterprise_install": False,
            }
        return self._send_payload(payload)

    def last_view(self, callback_id: str | None = None) -> View:
        """The newest modal open for this person, optionally the newest with `callback_id`."""
        with self._ws.cond:
            for view in reversed(list(self._ws.views.values())):
                if (
                    view.user == self.id
                    and view.is_open
                    and (callback_id is None or view.view.get("callback_id") == callback_id)
                ):
                    return view
        wanted = "" if callback_id is None else f" with callback_id {callback_id!r}"
        raise LookupError(f"@{self.name} has no open view{wanted}")

    def open_home(self) -> Response:
        ws = self._ws
        with ws.cond:
            event: dict = {
                "type": "app_home_opened",
                "user": self.id,
                "channel": ws.open_im(self.id).id,
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            }
            home = ws.home_views.get(self.id)
            if home is not None:
                event["view"] = copy.deepcopy(home.view)
        return self._standin.send_event(event)

    def _top_modal(self, view_id: str) -> View:
        view = self._ws.views.get(view_id)
        if view is None or view.user != self.id or not view.is_open:
            raise LookupError(f"@{self.name} has no open modal {view_id}")
        if self._ws.modal_stacks.get(self.id, [])[-1:] != [view_id]:
            raise LookupError(f"modal {view_id} is covered by a pushed view; submit the top one")
        if not view.view.get("submit"):
            raise LookupError(f"modal {view_id} has no submit button")
        return view

    def _after_submission(self, view: View, response: Response) -> None:
        """Follow Slack's rules for the answer to a view_submission."""
        if response.status != 200:
            return  # Slack shows an error inside the still-open modal
        answer = response.json
        action = answer.get("response_action") if isinstance(answer, dict) else None
        view.errors = answer.get("errors") if action == "errors" else None
        try:
            if action == "errors":
                _check_field_errors(view, view.errors)
                labels = {b["block_id"]: (b.get("label") or {}).get("text", "") for b in view.view["blocks"]}
                shown = "; ".join(f"{labels.get(block, block)}: {text}" for block, text in view.errors.items())
                self._ws.record("errors", "", self._ws.bot_name, f"the form shows @{self.name}: {shown}")
                return
            if action == "update":
                replace_view(self._ws, view, checked(answer.get("view"), "modal"))
            elif action == "push":
                push_modal(self._ws, self.id, checked(answer.get("view"), "modal"))
            elif action == "clear":
                self._ws.close_stack(self.id)
            else:
                self._ws.close_modal(view.id)
        except SlackError as error:
            raise ValueError(
                f"the app answered response_action {action!r} with something Slack refuses: {error.payload()}"
            ) from error

    def resend_last(self) -> Response:
        """Send this person's last interaction again, the same payload (freshly signed, or in a new
        envelope), as happens when Slack redelivers a request or a double click reaches the app twice."""
        with self._ws.cond:
            payload = self._ws.last_payloads.get(self.id)
        if payload is None:
            raise LookupError(f"@{self.name} has sent nothing yet")
        return self._standin.send_to_app("interactive", payload)

    def _send_payload(self, payload: dict) -> Response:
        with self._ws.cond:
            self._ws.last_payloads[self.id] = payload
        return self._standin.send_to_app("interactive", payload)


def _check_field_errors(view: View, errors: object) -> None:
    """Slack only shows errors keyed by the block_id of an input block in the view."""
    inputs = {b["block_id"] for b in view.view["blocks"] if b.get("type") == "input"}
    if not isinstance(errors, dict) or not errors or not set(errors) <= inputs:
        raise SlackError(
            "invalid_arguments", messages=[f"[ERROR] errors must map input block_ids {sorted(inputs)} to text"]
        )

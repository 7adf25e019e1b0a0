"""Simulated people: messages, button presses, dialogs, and changes to their chats, sent to the bot
as Teams sends them, each with a token signed by the issuer. A person only presses what is on a
card they can see, and only fills in inputs the card really has."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from ..to_app import Response
from .activities import account, bot_account, envelope, invoke
from .card_text import flatten
from .cards import Button, buttons, find_button, input_values, inputs, pressed_data
from .schemas import SchemaError, check_card
from .state import ADAPTIVE_CARD, CHANNEL, GROUP_CHAT, PERSONAL, Activity, Conversation, Dialog, User

if TYPE_CHECKING:
    from .standin import TeamsStandIn

CONTEXT = {"theme": "default"}


class TeamsUser:
    """One person in the tenant, acting through the Teams client."""

    def __init__(self, standin: TeamsStandIn, object_id: str):
        self._standin = standin
        self._tenant = standin.tenant
        if object_id not in self._tenant.users:
            raise LookupError(f"no user {object_id}: add_user them first")
        self.object_id = object_id

    @property
    def _user(self) -> User:
        return self._tenant.users[self.object_id]

    @property
    def name(self) -> str:
        return self._user.name

    @property
    def teams_id(self) -> str:
        return self._user.teams_id

    # messages

    def say(self, text: str, *, conversation_id: str | None = None) -> Response:
        """Send the bot a message: in the 1:1 chat by default; elsewhere with an @mention of the
        bot in front, as the bot only hears what it is mentioned in."""
        tenant = self._tenant
        with tenant.cond:
            conversation = self._conversation(conversation_id)
            entities: list[dict] = []
            if conversation.kind != PERSONAL:
                tag = f"<at>{tenant.bot_name}</at>"
                text = f"{tag} {text}"
                entities.append({"type": "mention", "text": tag, "mentioned": bot_account(tenant)})
            posted = tenant.post(conversation, self.object_id, text, [], entities)
            activity = envelope(
                tenant,
                conversation,
                self._user,
                self._standin.service_url,
                "message",
                thread=posted.id if conversation.kind == CHANNEL else None,
            )
            activity.update(id=posted.id, text=text, textFormat="plain")
            activity["entities"] = activity["entities"] + entities
            tenant.record("message", tenant.where(conversation), self.name, tenant.readable(text, [], entities))
        return self._send(activity)

    # cards

    def press(
        self,
        title: str,
        *,
        conversation_id: str | None = None,
        activity_id: str | None = None,
        inputs: dict[str, Any] | None = None,
    ) -> Response:
        """Press the button titled `title` on the newest card showing it (or on `activity_id`),
        with `inputs` typed into the card's inputs first. An Action.Execute sends
        `adaptiveCard/action`; an Action.Submit for `task/fetch` opens a dialog."""
        tenant = self._tenant
        with tenant.cond:
            conversation = self._conversation(conversation_id)
            message, button = self._on_screen(conversation, title, activity_id)
            data, shown = pressed_data(button, inputs)
            where = tenant.where(conversation)
            tenant.record("click", where, self.name, f"pressed [{title}]" + (f" ({'; '.join(shown)})" if shown else ""))
            base = self._invoke_envelope(conversation, message.id)
            if button.kind == "Action.Execute":
                value = {
                    "action": {"type": "Action.Execute", "verb": button.action.get("verb"), "data": data},
                    "trigger": "manual",
                }
                if button.action.get("id"):
                    value["action"]["id"] = button.action["id"]
                activity = invoke(base, "adaptiveCard/action", value, message.id)
            elif button.opens_dialog():
                activity = invoke(base, "task/fetch", {"data": data, "context": CONTEXT}, message.id)
            else:
                raise LookupError(f"[{title}] is an {button.kind}: it does not reach the bot")
        response = self._send(activity)
        with tenant.cond:
            if button.kind == "Action.Execute":
                self._after_execute(conversation, message, response)
            else:
                self._after_dialog_answer(None, conversation, message.id, response)
        return response

    def _on_screen(self, conversation: Conversation, title: str, activity_id: str | None) -> tuple[Activity, Button]:
        if activity_id is not None:
            activity = conversation.find(activity_id)
            if activity is None or activity.deleted:
                raise LookupError(f"no message {activity_id} in {self._tenant.where(conversation)}")
            candidates = [activity]
        else:
            candidates = [a for a in reversed(conversation.activities) if a.deleted is None]
        for activity in candidates:
            button = find_button(activity.cards_for(self.object_id), title)
            if button is not None:
                return activity, button
        seen = [[b.title for card in a.cards_for(self.object_id) for b in buttons(card)] for a in candidates[:5]]
        raise LookupError(
            f"@{self.name} sees no [{title}] in {self._tenant.where(conversation)}; buttons on the newest cards: {seen}"
        )

    def _after_execute(self, conversation: Conversation, message: Activity, response: Response) -> None:
        """Universal Actions: a card in the answer replaces the message's card for this person only."""
        tenant = self._tenant
        answer = response.json
        if response.status != 200 or not isinstance(answer, dict):
            return  # Teams shows the person that something went wrong
        kind, value = answer.get("type"), answer.get("value")
        where = tenant.where(conversation)
        if kind == ADAPTIVE_CARD:
            card = self._checked(value, "an adaptiveCard/action answer")
            message.seen_by[self.object_id] = [{"contentType": ADAPTIVE_CARD, "content": card}]
            tenant.record(
                "card",
                where,
                tenant.bot_name,
                f"@{self.name} now sees:\n{tenant.readable('', message.seen_by[self.object_id], [])}",
            )
        elif kind == "application/vnd.microsoft.activity.message":
            tenant.record("notice", where, tenant.bot_name, f"@{self.name} is shown: {value}")
        elif kind == "application/vnd.microsoft.error":
            tenant.record(
                "notice", where, tenant.bot_name, f"@{self.name} is shown an error: {(value or {}).get('message', '')}"
            )
        elif answer.get("statusCode") is not None:
            raise ValueError(f"the bot answered adaptiveCard/action with a type Teams does not know: {kind!r}")

    # dialogs

    @property
    def dialog(self) -> Dialog | None:
        with self._tenant.cond:
            return next((d for d in self._tenant.dialogs.values() if d.user == self.object_id and d.is_open), None)

    def submit(self, values: dict[str, Any] | None = None, *, button: str | None = None) -> Response:
        """Fill in the open dialog and press its Action.Submit (`button`, or its only one):
        sends `task/submit` with the action's data merged with every input's value."""
        tenant = self._tenant
        with tenant.cond:
            dialog = self.dialog
            if dialog is None:
                raise LookupError(f"@{self.name} has no dialog open")
            submits = [
                b for b in buttons(dialog.card) if b.kind == "Action.Submit" and (button is None or b.title == button)
            ]
            if len(submits) != 1:
                raise LookupError(f"the dialog '{dialog.title}' has {len(submits)} submit buttons matching {button!r}")
            gathered, shown = input_values(inputs(dialog.card), values)
            data = {**(submits[0].action.get("data") or {}), **gathered}
            conversation = tenant.conversations[dialog.conversation_id]
            tenant.record(
                "submit",
                tenant.where(conversation),
                self.name,
                f"submitted '{dialog.title}'" + (f" ({'; '.join(shown)})" if shown else ""),
            )
            base = self._invoke_envelope(conversation, dialog.reply_to_id)
            activity = invoke(base, "task/submit", {"data": data, "context": CONTEXT}, dialog.reply_to_id)
        response = self._send(activity)
        with tenant.cond:
            self._after_dialog_answer(dialog, conversation, dialog.reply_to_id, response)
        return response

    def close_dialog(self) -> None:
        """Dismiss the open dialog; Teams does not tell the bot."""
        with self._tenant.cond:
            dialog = self.dialog
            if dialog is not None:
                dialog.is_open = False
                self._tenant.changed()

    def _after_dialog_answer(
        self, dialog: Dialog | None, conversation: Conversation, reply_to: str | None, response: Response
    ) -> None:
        """Follow Teams' rules for the answer to task/fetch or task/submit."""
        tenant = self._tenant
        if response.status != 200:
            return  # Teams shows an error; an open dialog stays open
        task = (response.json or {}).get("task") if isinstance(response.json, dict) else None
        if task is None:
            if dialog is not None:
                dialog.is_open = False  # an empty answer to a submission closes the dialog
            tenant.changed()
            return
        kind, value = task.get("type"), task.get("value")
        if kind == "message":
            if dialog is not None:
                dialog.is_open = False
            tenant.record("dialog", tenant.where(conversation), tenant.bot_name, f"@{self.name} is shown: {value}")
        elif kind == "continue" and isinstance(value, dict) and isinstance(value.get("card"), dict):
            attachment = value["card"]
            if attachment.get("contentType") != ADAPTIVE_CARD:
                raise ValueError(f"a dialog's card must be {ADAPTIVE_CARD!r}, not {attachment.get('contentType')!r}")
            card = self._checked(attachment.get("content"), "a dialog")
            title = str(value.get("title") or (dialog.title if dialog else ""))
            if dialog is None:
                for other in tenant.dialogs.values():  # a person has one dialog open at a time
                    if other.user == self.object_id:
                        other.is_open = False
                dialog = Dialog(f"dlg{len(tenant.dialogs) + 1}", self.object_id, conversation.id, title, card, reply_to)
                tenant.dialogs[dialog.id] = dialog
                verb = "opened"
            else:
                dialog.card, dialog.title, verb = card, title, "shows again"
            tenant.record(
                "dialog",
                tenant.where(conversation),
                tenant.bot_name,
                f"{verb} '{title}' for @{self.name}\n{flatten(card)}",
            )
        else:
            raise ValueError(f"the bot answered a dialog with something Teams cannot show: {task!r}")

    def _checked(self, card: object, what: str) -> dict:
        try:
            check_card(card, self._tenant.card_schema)
        except SchemaError as error:
            raise ValueError(f"{what} is not a valid Adaptive Card 1.5: {error}") from error
        return copy.deepcopy(card)  # type: ignore[arg-type]

    # the raw client

    def send_invoke(
        self, name: str, value: Any, *, conversation_id: str | None = None, reply_to_id: str | None = None
    ) -> Response:
        """An invoke exactly as given, with none of the client's checks: what a tampered client could send."""
        with self._tenant.cond:
            conversation = self._conversation(conversation_id)
            base = self._invoke_envelope(conversation, reply_to_id)
            activity = invoke(base, name, value, reply_to_id)
        return self._send(activity)

    # changes to chats

    def add_to_chat(self, conversation_id: str, *object_ids: str) -> Response | None:
        """Add people to a group chat from the client; the bot, if it is there, is told."""
        tenant = self._tenant
        with tenant.cond:
            chat = self._visible(conversation_id)
            if chat.kind != GROUP_CHAT:
                raise LookupError("people are added to group chats only")
            added = [tenant.users[oid] for oid in object_ids]
            for user in added:
                tenant.add_member(chat, user.object_id, ["owner"])
            tenant.record("chat", tenant.where(chat), self.name, "added " + ", ".join(f"@{u.name}" for u in added))
            if not chat.bot_member:
                return None
            activity = envelope(tenant, chat, self._user, self._standin.service_url, "conversationUpdate")
            activity["membersAdded"] = [account(u) for u in added]
        return self._send(activity)

    def install_app(self, conversation_id: str) -> list[Response]:
        """Add the app to a group chat from the client: Teams tells the bot with a
        conversationUpdate (the bot joined) and an installationUpdate."""
        tenant = self._tenant
        with tenant.cond:
            chat = self._visible(conversation_id)
            if chat.kind != GROUP_CHAT or chat.bot_member:
                raise LookupError(f"the app cannot be added to {tenant.where(chat)}")
            chat.bot_member = True
            chat.installed_apps.append(tenant.catalog_app_id)
            tenant.record("install", tenant.where(chat), self.name, f"added {tenant.bot_name} to the chat")
            joined = envelope(tenant, chat, self._user, self._standin.service_url, "conversationUpdate")
            joined["membersAdded"] = [bot_account(tenant)]
            installed = envelope(tenant, chat, self._user, self._standin.service_url, "installationUpdate")
            installed["action"] = "add"
        return [self._send(joined), self._send(installed)]

    def resend_last(self) -> Response:
        """Send this person's last request again, byte for byte (freshly signed), as happens when
        Teams redelivers it or a double click reaches the bot twice."""
        with self._tenant.cond:
            body = self._tenant.last_requests.get(self.object_id)
        if body is None:
            raise LookupError(f"@{self.name} has sent nothing yet")
        return self._standin.post_to_bot(body)

    def _send(self, activity: dict) -> Response:
        body = json.dumps(activity).encode()
        with self._tenant.cond:
            self._tenant.last_requests[self.object_id] = body
        return self._standin.post_to_bot(body)

    def _invoke_envelope(self, conversation: Conversation, activity_id: str | None) -> dict:
        """An invoke about a message: in a channel it comes from the message's thread."""
        message = conversation.find(activity_id) if activity_id else None
        thread = (message.reply_to_id or message.id) if message and conversation.kind == CHANNEL else None
        return envelope(self._tenant, conversation, self._user, self._standin.service_url, "invoke", thread=thread)

    def _visible(self, conversation_id: str) -> Conversation:
        conversation = self._tenant.conversation(conversation_id)
        if conversation is None:
            raise LookupError(f"no conversation {conversation_id}")
        if not self._tenant.can_see(self.object_id, conversation):
            raise LookupError(f"@{self.name} is not in {self._tenant.where(conversation)}")
        return conversation

    def _conversation(self, conversation_id: str | None) -> Conversation:
        """Where the person talks to the bot: their 1:1 chat by default."""
        tenant = self._tenant
        if conversation_id is None:
            if not self._user.has_app:
                raise LookupError(f"@{self.name} does not have the app, so has no chat with the bot")
            return tenant.open_personal_chat(self.object_id)
        conversation = self._visible(conversation_id)
        if not tenant.bot_in(conversation):
            raise LookupError(f"the bot is not in {tenant.where(conversation)}, so cannot hear @{self.name} there")
        return conversation

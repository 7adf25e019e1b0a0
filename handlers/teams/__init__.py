"""Teams' activities to the listeners: words to the bot are commands, card buttons and dialogs are
the same buttons and forms as on Slack (by verb and form id), people added to a case chat are
checked as on Slack. Each activity is answered once it has been handled."""

from __future__ import annotations

from typing import Any

from bot.platforms.teams.messenger import TeamsMessenger
from bot.services import Services
from bot.usecases import channels, home
from handlers import actions, commands, views
from handlers.teams.incoming import TeamsIncoming
from handlers.turn import Incoming, handle

OUT_OF_DATE = "This button is out of date or not valid. Use the one on the newest card."


def dispatch(services: Services, messenger: TeamsMessenger, activity: dict[str, Any]) -> dict[str, Any] | None:
    """Handle one activity; returns the invoke's answer (None: an empty 200)."""
    sender = activity.get("from") or {}
    if isinstance(sender.get("aadObjectId"), str) and isinstance(sender.get("name"), str):
        # Names people by when a card mentions them where they cannot be mentioned.
        messenger.names[sender["aadObjectId"][:64]] = sender["name"][:100]
    incoming = TeamsIncoming(
        services=services, now=services.clock.now(), activity=activity, messenger=messenger, reopen=_reopen
    )
    kind = activity.get("type")
    if kind == "message":
        handle(incoming, _command)
    elif kind == "invoke":
        handle(incoming, _invoke)
    elif kind == "conversationUpdate":
        handle(incoming, _members_added)
    return incoming.response


def _command(incoming: Incoming) -> None:
    # No App Home on Teams: `home` brings the person's own card to their 1:1 chat, kept up to date there.
    if incoming.command_words() == ["home"]:
        incoming.run(home.opened)
        incoming.tell("Your card is in your chat with the bot, and stays up to date there.")
        return
    commands.cspr(incoming)


def _invoke(incoming: Incoming) -> None:
    assert isinstance(incoming, TeamsIncoming)
    if incoming.kind == "form":
        listener = views.FORMS.get(str(incoming.data.get("form") or ""))
        if listener is None:
            incoming.refuse_form(views.OUT_OF_DATE)
            return
        listener(incoming)
        return
    _reopen(incoming)


def _reopen(incoming: TeamsIncoming) -> None:
    """A button (or a form button asking for a command's form): the listener of its verb."""
    verb, value = incoming.pressed()
    if incoming.words is None and verb == "command":
        incoming.words = value.split()[:20]
    if incoming.words is not None:
        commands.cspr(incoming)
        return
    listener = actions.listener_for(verb)
    if listener is None:
        incoming.tell(OUT_OF_DATE)
        return
    listener(incoming)


def _members_added(incoming: Incoming) -> None:
    assert isinstance(incoming, TeamsIncoming)
    bot = str((incoming.activity.get("recipient") or {}).get("id") or "")
    for member in incoming.activity.get("membersAdded") or []:
        if not isinstance(member, dict) or member.get("id") == bot or not member.get("aadObjectId"):
            continue
        incoming.services.desk.run(
            incoming.now,
            channels.member_joined,
            str(member["aadObjectId"])[:64],
            channel_id=incoming.channel,
            bot_user=bot,
        )

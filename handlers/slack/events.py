"""Events from Slack: the App Home tab, and people joining case channels. Each event is handled
once, however often Slack delivers it and whichever instance receives it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.desk import DatabaseUnavailable
from bot.platforms.slack.messenger import SlackMessenger
from bot.usecases import channels, home
from handlers.slack.incoming import SlackIncoming, guarded
from handlers.turn import Incoming

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.middleware(once_per_event)
    app.event("app_home_opened")(guarded(home_opened))
    app.event("member_joined_channel")(guarded(member_joined))


def once_per_event(body: dict[str, Any], context: BoltContext, next: Any) -> BoltResponse | None:  # noqa: A002
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if event_id:
        services = context["services"]
        try:
            first = services.desk.first_delivery(str(event_id)[:64], services.clock.now())
        except DatabaseUnavailable:
            # Not recorded, so not handled: Slack delivers it again in a minute or so.
            log.warning("database unavailable: event %s left for Slack to retry", event_id)
            return BoltResponse(status=503, body="")
        if not first:
            return BoltResponse(status=200, body="")
    next()
    return None


def home_opened(incoming: Incoming) -> None:
    assert isinstance(incoming, SlackIncoming)
    incoming.ack()
    event = incoming.body.get("event") or {}
    if event.get("tab") not in (None, "home"):
        return
    incoming.services.desk.run(incoming.now, home.opened, str(event.get("user", ""))[:32])


def member_joined(incoming: Incoming) -> None:
    assert isinstance(incoming, SlackIncoming)
    incoming.ack()
    event = incoming.body.get("event") or {}
    services = incoming.services
    messenger = services.delivery.messenger
    assert isinstance(messenger, SlackMessenger)
    services.desk.run(
        incoming.now,
        channels.member_joined,
        str(event.get("user", "")),
        channel_id=str(event.get("channel", "")),
        bot_user=messenger.bot_user_id(),
    )

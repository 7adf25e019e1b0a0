"""Events from Slack: the App Home tab."""

from __future__ import annotations

from slack_bolt import App

from bot.outcomes import Done
from bot.usecases import queries
from handlers.guard import Incoming, guarded
from messages import render


def register(app: App) -> None:
    app.event("app_home_opened")(guarded(home_opened))


def home_opened(incoming: Incoming) -> None:
    incoming.ack()
    event = incoming.body.get("event") or {}
    if event.get("tab") not in (None, "home"):
        return
    outcome = incoming.services.desk.run(incoming.now, queries.home, str(event.get("user", "")))
    if isinstance(outcome, Done):
        view = render("app_home", partnership=incoming.services.partnership, **outcome.data)
        incoming.client.views_publish(user_id=str(event.get("user", "")), view=view)

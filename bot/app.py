"""The Bolt app: Slack's request verification in front, our listeners behind."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from bot.services import Services
from bot.settings import Settings
from handlers import register_listeners


def build_app(settings: Settings, services: Services) -> App:
    app = App(
        client=services.client,
        signing_secret=settings.signing_secret,
        # Slack sees the answer as soon as a listener acknowledges; the rest runs after it.
        process_before_response=False,
        logger=logging.getLogger("slack_bolt"),
    )

    @app.middleware
    def provide_services(context: BoltContext, next: Any) -> None:  # noqa: A002 - Bolt's name
        context["services"] = services
        next()

    register_listeners(app)
    return app

"""The Bolt app: our listeners, behind the signature check in bot/server.py."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext

from bot.desk import DESK_WORKERS
from bot.services import Services
from handlers.slack import register_listeners


def build_app(services: Services) -> App:
    app = App(
        client=services.client,
        # Checked in front of Bolt, whose own check logs every refused request's body; in Socket
        # Mode Slack's connection itself vouches for the requests.
        request_verification_enabled=False,
        # Already asked at start-up (bot/runner.py); Bolt asks again with its first request.
        token_verification_enabled=False,
        # Slack sees the answer as soon as a listener acknowledges; the rest runs after it.
        process_before_response=False,
        # Bolt's default of 5 listener threads would queue the 6th request before its listener can
        # acknowledge it; as many as the desk has workers lets every request in flight start at once.
        listener_executor=ThreadPoolExecutor(max_workers=DESK_WORKERS, thread_name_prefix="listener"),
        logger=logging.getLogger("slack_bolt"),
    )

    @app.middleware
    def provide_services(context: BoltContext, next: Any) -> None:  # noqa: A002 - Bolt's name
        context["services"] = services
        next()

    register_listeners(app)
    return app

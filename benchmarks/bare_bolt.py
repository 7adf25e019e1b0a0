"""The yardstick: a bare Bolt app whose only listener calls `ack()`, served by waitress with the
bot's own limits. `python -m benchmarks.bare_bolt PORT` serves it in a process of its own, set up
from the environment as `cspr-bot serve` is (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL),
with a /healthz that answers as soon as it serves. It imports nothing of the bot's but its limits."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress.server import TcpWSGIServer, create_server

from bot.http_limits import LIMITS


def bare_app(token: str, signing_secret: str, api_url: str) -> App:
    # Like the bot's, Bolt asks Slack who it is (auth.test) with its first request, then remembers.
    app = App(
        client=WebClient(token=token, base_url=api_url), signing_secret=signing_secret, token_verification_enabled=False
    )

    def acknowledge(ack: Ack) -> None:
        ack()

    app.command("/cspr")(acknowledge)
    app.action("signoff")(acknowledge)
    return app


def bare_server(token: str, signing_secret: str, api_url: str, host: str, port: int) -> TcpWSGIServer:
    """Not yet running: `.run()` serves, `.close()` stops, `.effective_port`."""
    bolt = SlackRequestHandler(bare_app(token, signing_secret, api_url))

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"status": "ok"}']
        return bolt(environ, start_response)

    return create_server(wsgi, host=host, port=port, **LIMITS)


if __name__ == "__main__":
    token, secret, api_url = (os.environ[name] for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL"))
    bare_server(token, secret, api_url, "127.0.0.1", int(sys.argv[1])).run()

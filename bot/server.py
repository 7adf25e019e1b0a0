"""HTTP: Slack's requests on POST /slack/events, a health check on GET /healthz, served by waitress."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

from storage.db import Database

EVENTS_PATH = "/slack/events"


def wsgi_application(app: App, database: Database) -> Callable[..., Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            healthy = database.ping()
            body = json.dumps({"status": "ok" if healthy else "database unavailable"}).encode()
            start_response("200 OK" if healthy else "503 Service Unavailable", [("Content-Type", "application/json")])
            return [body]
        if path == EVENTS_PATH:
            stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
            if stamp is not None and not (stamp.isascii() and stamp.isdigit()):
                # Bolt's verification would fail on int() with a 500; this is simply not Slack.
                start_response("401 Unauthorized", [("Content-Type", "text/plain")])
                return [b"invalid request"]
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return application


def http_server(application: Callable[..., Iterable[bytes]], host: str, port: int) -> Any:
    """A waitress server, not yet running: `.run()` serves, `.close()` stops, `.effective_port`."""
    return create_server(application, host=host, port=port, threads=8, ident="cspr-bot")

"""apps.connections.open: a Socket Mode app asks, with its app-level token, where to connect."""

from __future__ import annotations

from ..errors import SlackError
from ..state import Workspace


def connections_open(ws: Workspace, p: dict) -> dict:
    if ws.socket_link is None:
        raise SlackError("socket_mode_not_enabled")  # the app has Socket Mode turned off
    return {"url": ws.socket_link()}


METHODS = {"apps.connections.open": connections_open}
# Called with the app-level token (xapp-...), never the bot token.
APP_TOKEN_METHODS = frozenset(METHODS)

"""apps.connections.open: a Socket Mode app asks, with its app-level token, where to connect."""

from __future__ import annotations

from ..state import Workspace


def connections_open(ws: Workspace, p: dict) -> dict:
    assert ws.socket_link is not None, "only a stand-in in Socket Mode accepts an app-level token"
    return {"url": ws.socket_link()}


METHODS = {"apps.connections.open": connections_open}
# Called with the app-level token (xapp-...), never the bot token.
APP_TOKEN_METHODS = frozenset(METHODS)

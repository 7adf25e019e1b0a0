"""Slack's end of Socket Mode: the WebSocket a Socket Mode app keeps open instead of an HTTP endpoint.

`apps.connections.open` hands out a link with a one-use ticket; each connection made with it is
greeted with `hello`; people's commands, clicks, submissions and events go out as envelopes, and
the acknowledgement's payload is the answer an HTTP response body would have been. An envelope
left unacknowledged is sent again with `retry_attempt`, as Slack does. Tests can ask the app to
reconnect (`disconnect`), cut every connection (`drop_connections`) or lose acknowledgements.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request
from websockets.sync.server import Server, ServerConnection, serve

from .state import Workspace
from .to_app import Response

# How long Slack waits for an acknowledgement before sending the envelope again, and how often.
ACK_TIMEOUT = 3.0
RETRIES = 3
# How long an envelope waits for the app to be connected (while it reconnects, say).
CONNECT_TIMEOUT = 10.0
DISCONNECT_REASONS = ("warning", "refresh_requested", "link_disabled")


class NotAcknowledged(TimeoutError):
    """The app acknowledged none of an envelope's deliveries."""


@dataclass
class Envelope:
    """One delivery of a request over a connection."""

    envelope_id: str
    type: str  # "slash_commands", "interactive" or "events_api"
    payload: dict
    accepts_response_payload: bool
    retry_attempt: int
    retry_reason: str
    connection: int  # the number of the connection it went out on

    def message(self) -> dict:
        return {
            "envelope_id": self.envelope_id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
            "retry_attempt": self.retry_attempt,
            "retry_reason": self.retry_reason,
        }


def accepts_response_payload(kind: str, payload: dict) -> bool:
    """Slack reads an acknowledgement's payload for commands, form submissions and option lists only."""
    if kind == "slash_commands":
        return True
    return kind == "interactive" and payload.get("type") in ("view_submission", "block_suggestion")


class SocketModeServer:
    """A WebSocket server on 127.0.0.1 speaking Slack's Socket Mode protocol to the app."""

    def __init__(self, ws: Workspace, *, ack_timeout: float = ACK_TIMEOUT, retries: int = RETRIES):
        self.ws = ws
        self.ack_timeout = ack_timeout
        self.retries = retries
        self.connections_opened = 0
        self.hellos: list[dict] = []
        self.envelopes: list[Envelope] = []
        self.acks: list[dict] = []  # every acknowledgement that arrived, lost ones included
        self.refused_tickets = 0
        self._tickets: set[str] = set()
        self._open: dict[int, ServerConnection] = {}
        self._acked: dict[str, dict] = {}
        self._acks_to_lose = 0
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> SocketModeServer:
        self._server = serve(self._serve, "127.0.0.1", 0, process_request=self._check_ticket, compression=None)
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-socket-mode", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(10)
        self._server = self._thread = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("start() the Socket Mode server first")
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/"

    def open_link(self) -> str:
        """A link for one connection, as `apps.connections.open` answers."""
        ticket = str(uuid.uuid4())
        with self.ws.cond:
            self._tickets.add(ticket)
        return f"{self.url}link/?ticket={ticket}&app_id={self.ws.app_id}"

    @property
    def open_connections(self) -> int:
        with self.ws.cond:
            return len(self._open)

    # the protocol

    def _check_ticket(self, connection: ServerConnection, request: Request):
        ticket = parse_qs(urlsplit(request.path).query).get("ticket", [""])[0]
        with self.ws.cond:
            if ticket in self._tickets:
                self._tickets.discard(ticket)  # a link is good for one connection
                return None
            self.refused_tickets += 1
            self.ws.changed()
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")

    def _serve(self, connection: ServerConnection) -> None:
        with self.ws.cond:
            self.connections_opened += 1
            number = self.connections_opened
            self._open[number] = connection
            hello = {
                "type": "hello",
                "num_connections": len(self._open),
                "debug_info": {"host": "applink-standin", "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.ws.app_id},
            }
            self.hellos.append(hello)
        try:
            connection.send(json.dumps(hello))
            self.ws.changed()
            for message in connection:
                self._received(message)
        except ConnectionClosed:
            pass
        finally:
            with self.ws.cond:
                self._open.pop(number, None)
                self.ws.changed()

    def _received(self, message: str | bytes) -> None:
        try:
            ack = json.loads(message)
        except ValueError:
            return  # Slack ignores what it cannot read; the envelope goes unacknowledged
        if not isinstance(ack, dict) or not isinstance(ack.get("envelope_id"), str):
            return
        with self.ws.cond:
            self.acks.append(ack)
            if self._acks_to_lose:
                self._acks_to_lose -= 1
            else:
                self._acked.setdefault(ack["envelope_id"], ack)
            self.ws.changed()

    def deliver(self, kind: str, payload: dict, *, retry_attempt: int = 0, retry_reason: str = "") -> Response:
        """Send an envelope and wait for its acknowledgement, sending it again while none comes;
        returns the acknowledgement's payload as the body of an HTTP answer."""
        envelope_id = str(uuid.uuid4())
        for attempt in range(retry_attempt, retry_attempt + self.retries + 1):
            number, connection = self._connection()
            envelope = Envelope(
                envelope_id,
                kind,
                payload,
                accepts_response_payload(kind, payload),
                attempt,
                retry_reason if attempt == retry_attempt else "timeout",
                number,
            )
            with self.ws.cond:
                self.envelopes.append(envelope)
            try:
                connection.send(json.dumps(envelope.message()))
            except ConnectionClosed:
                pass  # lost with the connection: sent again once the app is back
            ack = self._ack(envelope_id)
            if ack is not None:
                answer = ack.get("payload")
                return Response(200, {}, "" if answer is None else json.dumps(answer))
        raise NotAcknowledged(f"the app acknowledged none of {self.retries + 1} deliveries of a {kind} envelope")

    def _connection(self) -> tuple[int, ServerConnection]:
        """The newest open connection, once there is one."""
        with self.ws.cond:
            if not self.ws.cond.wait_for(lambda: self._open, CONNECT_TIMEOUT):
                raise NotAcknowledged(f"the app has had no Socket Mode connection open for {CONNECT_TIMEOUT}s")
            number = max(self._open)
            return number, self._open[number]

    def _ack(self, envelope_id: str) -> dict | None:
        with self.ws.cond:
            self.ws.cond.wait_for(lambda: envelope_id in self._acked, self.ack_timeout)
            return self._acked.get(envelope_id)

    # what tests do to the connections

    def lose_acks(self, times: int = 1) -> None:
        """Lose the next `times` acknowledgements on their way to Slack, as if never sent."""
        with self.ws.cond:
            self._acks_to_lose += times

    def disconnect(self, reason: str) -> None:
        """Tell every connected app to reconnect, as Slack does before it closes a connection."""
        if reason not in DISCONNECT_REASONS:
            raise ValueError(f"Slack's disconnect reasons are {DISCONNECT_REASONS}")
        with self.ws.cond:
            connections = list(self._open.values())
        message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-standin"}})
        for connection in connections:
            try:
                connection.send(message)
            except ConnectionClosed:
                pass

    def drop_connections(self) -> None:
        """Cut every connection without a closing handshake, as a network failure does."""
        with self.ws.cond:
            connections = list(self._open.values())
        for connection in connections:
            try:
                connection.socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

"""What every stand-in does alike: serve HTTP on a thread of its own, let a test sleep until
something has happened, fail its next requests on purpose, and answer or hang up on a request."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from .faults import Fault, Faults


class ServedStandIn:
    """A base for stand-ins whose state is guarded by one condition variable, `cond`, notified on every change."""

    thread_name = "standin"
    calls_heading = "last calls"  # how the timeout message names what `recent_calls` lists

    def __init__(self, cond: threading.Condition, port: int):
        self.port = port
        self._cond = cond
        self._faults = Faults(cond)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def new_server(self) -> ThreadingHTTPServer:
        raise NotImplementedError

    def recent_calls(self) -> list[str]:
        """One line for each of the last calls made to the stand-in, for timeout messages."""
        raise NotImplementedError

    # lifecycle

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the stand-in is already running")
        self._server = self.new_server()
        # a short poll keeps stop() quick: shutdown waits for the serving loop to look up
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=self.thread_name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self.release()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def wait_for(self, predicate: Callable[[Self], Any], timeout: float = 5.0, message: str = "") -> Any:
        """Re-check `predicate(self)` after every change until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate(self)
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = "\n".join(self.recent_calls()) or "  (none)"
                    raise TimeoutError(
                        f"timed out after {timeout}s waiting for "
                        f"{message or 'a condition'}; {self.calls_heading}:\n{recent}"
                    )
                self._cond.wait(remaining)

    # fault injection, by operation: a Slack Web API method, or a Teams operation as named in `calls`

    def fail(self, operation: str, *, status: int, retry_after: int | None = None, times: int = 1) -> None:
        """Answer the next `times` calls with HTTP `status` without running the operation."""
        self._faults.add(operation, Fault("status", status=status, retry_after=retry_after), times)

    def drop(self, operation: str, *, after_processing: bool, times: int = 1) -> None:
        """Close the connection without an answer; with `after_processing` the operation ran first."""
        self._faults.add(operation, Fault("drop", after_processing=after_processing), times)

    def hang(self, operation: str, *, times: int = 1) -> None:
        """Run the next `times` calls but hold their answers until `release()` (then drop them)."""
        self._faults.released.clear()
        self._faults.add(operation, Fault("hang", after_processing=True), times)

    def release(self) -> None:
        self._faults.released.set()


class StandInHandler(BaseHTTPRequestHandler):
    """A stand-in's request handler: quiet, one request per connection, able to answer or to hang up."""

    # HTTP/1.0: one request per connection, so a dropped answer never poisons a kept-alive socket
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: every request is already in `calls`."""

    def hang_up(self) -> None:
        """Close the socket without a byte of answer, as a lost connection looks to a client."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send_body(
        self, status: int, body: bytes, content_type: str | None, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

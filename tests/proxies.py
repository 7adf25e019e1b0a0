"""Small real network helpers for tests: several bot instances behind one address, and a TCP link
to the database that can be cut, stalled or broken at a chosen moment of the wire protocol."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Headers that describe one hop rather than the request; the proxy sets its own.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class RoundRobinHTTP:
    """An HTTP front on 127.0.0.1 that passes each request to the next backend in turn and
    relays the answer unchanged: several instances of an app behind one address."""

    def __init__(self, backends: list[str], *, timeout: float = 30.0) -> None:
        if not backends:
            raise ValueError("at least one backend")
        self.backends = [backend.rstrip("/") for backend in backends]
        self.timeout = timeout
        self.counts: Counter[str] = Counter()
        self.log: list[tuple[str, str, str]] = []  # (backend, method, path), in arrival order
        self._changed = threading.Condition()
        self._next = 0
        self._gate: threading.Barrier | None = None
        self._gate_left = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("start() the proxy first")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RoundRobinHTTP:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy._forward(self)

            def do_POST(self) -> None:
                proxy._forward(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="round-robin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> RoundRobinHTTP:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def together(self, requests: int, timeout: float = 10.0) -> None:
        """Hold the next `requests` requests at the proxy until all of them have arrived, then pass
        them on at once, each to the next backend in turn: simultaneous arrival, made certain."""
        with self._changed:
            self._gate = threading.Barrier(requests, timeout=timeout)
            self._gate_left = requests

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> None:
        """Until `count` requests in all have reached the proxy."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.log) >= count, timeout):
                raise TimeoutError(f"{len(self.log)} requests reached the proxy, not {count}")

    def _pick(self, method: str, path: str) -> tuple[str, threading.Barrier | None]:
        with self._changed:
            backend = self.backends[self._next % len(self.backends)]
            self._next += 1
            self.counts[backend] += 1
            self.log.append((backend, method, path))
            gate = None
            if self._gate is not None and self._gate_left > 0:
                gate = self._gate
                self._gate_left -= 1
                if self._gate_left == 0:
                    self._gate = None
            self._changed.notify_all()
            return backend, gate

    def _forward(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        backend, gate = self._pick(handler.command, handler.path)
        if gate is not None:
            try:
                gate.wait()
            except threading.BrokenBarrierError:
                pass  # the others never came: pass this one on alone
        headers = {name: value for name, value in handler.headers.items() if name.lower() not in _HOP_BY_HOP}
        request = urllib.request.Request(backend + handler.path, data=body, headers=headers, method=handler.command)
        try:
            with _DIRECT.open(request, timeout=self.timeout) as answer:
                status, answer_headers, answer_body = answer.status, answer.headers.items(), answer.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, answer_body = error.code, error.headers.items(), error.read()
        except OSError as error:  # refused, reset or timed out: what a load balancer calls a bad gateway
            status, answer_headers, answer_body = (
                502,
                [("Content-Type", "text/plain")],
                f"bad gateway: {error}".encode(),
            )
        handler.send_response(status)
        for name, value in answer_headers:
            if name.lower() not in _HOP_BY_HOP:
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(answer_body)))
        handler.end_headers()
        handler.wfile.write(answer_body)


class _Link:
    """One client connection and its connection to the target."""

    def __init__(self, client: socket.socket) -> None:
        self.client = client
        self.upstream: socket.socket | None = None
        self.seen_after = False  # the trigger's `after` bytes went by on this link
        self.mute = False  # the trigger fired here: swallow the target's answer

    def close(self) -> None:
        for sock in (self.client, self.upstream):
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class TcpProxy:
    """A TCP forwarder on 127.0.0.1 to `target_host:target_port`.

    - `cut()`: every open connection is closed at once, and new ones are closed as soon as they
      are accepted, as when a database goes away; `restore()` forwards again.
    - `stall()`: connections stay up but nothing passes either way (a server or network that has
      stopped answering); `restore()` lets what was held pass on.
    - `cut_on(pattern, after=..., forward=...)`: `cut()` the moment a client sends `pattern` (on a
      connection that sent `after` before it). With `forward` the target gets those bytes and its
      answer is swallowed, so the client cannot know whether they took effect.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.fired = threading.Event()
        self.accepted = 0
        self._state = "open"  # open | cut | stalled
        self._changed = threading.Condition()
        self._links: set[_Link] = set()
        self._trigger: tuple[bytes, bytes | None, bool] | None = None
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self._closing = False
        self._thread: threading.Thread | None = None

    def start(self) -> TcpProxy:
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing = True
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        self.cut()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def state(self) -> str:
        with self._changed:
            return self._state

    def cut(self) -> None:
        with self._changed:
            self._state = "cut"
            links, self._links = list(self._links), set()
            self._changed.notify_all()
        for link in links:
            link.close()

    def stall(self) -> None:
        with self._changed:
            self._state = "stalled"
            self._changed.notify_all()

    def restore(self) -> None:
        with self._changed:
            self._state = "open"
            self._trigger = None
            self._changed.notify_all()

    def cut_on(self, pattern: bytes, *, after: bytes | None = None, forward: bool = False) -> None:
        with self._changed:
            self.fired.clear()
            self._trigger = (pattern, after, forward)

    # -- the plumbing ---------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            link = _Link(client)
            with self._changed:
                refused = self._state == "cut"
                if not refused:
                    self._links.add(link)
            if refused:
                link.close()
                continue
            threading.Thread(target=self._connect, args=(link,), name="tcp-proxy-link", daemon=True).start()

    def _passable(self, link: _Link) -> bool:
        """Wait while stalled; then True if the link may carry bytes, False if it was cut."""
        with self._changed:
            self._changed.wait_for(lambda: self._state != "stalled" or link not in self._links)
            return self._state == "open" and link in self._links

    def _drop(self, link: _Link) -> None:
        with self._changed:
            self._links.discard(link)
        link.close()

    def _connect(self, link: _Link) -> None:
        if not self._passable(link):
            self._drop(link)
            return
        try:
            link.upstream = socket.create_connection(self.target, timeout=10)
            link.upstream.settimeout(None)
        except OSError:
            self._drop(link)
            return
        threading.Thread(target=self._pump, args=(link, True), name="tcp-proxy-up", daemon=True).start()
        self._pump(link, False)

    def _pump(self, link: _Link, upward: bool) -> None:
        source, sink = (link.client, link.upstream) if upward else (link.upstream, link.client)
        assert source is not None and sink is not None
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data or not self._passable(link):
                self._drop(link)
                return
            if not upward and link.mute:
                self.cut()  # the target answered what the trigger let through; the client never hears it
                return
            if upward and self._fires(link, data):
                return
            try:
                sink.sendall(data)
            except OSError:
                self._drop(link)
                return

    def _fires(self, link: _Link, data: bytes) -> bool:
        """Apply the trigger to bytes a client sends; True if it fired (they are dealt with)."""
        with self._changed:
            if self._trigger is None:
                return False
            pattern, after, forward = self._trigger
            rest = data
            if after is not None and not link.seen_after:
                if after not in data:
                    return False
                link.seen_after = True
                rest = data.split(after, 1)[1]
            if pattern not in rest:
                return False
            self._trigger = None
            self.fired.set()
        if not forward:
            self.cut()
            return True
        link.mute = True
        try:
            assert link.upstream is not None
            link.upstream.sendall(data)
        except OSError:
            self.cut()
        return True

"""A running bot: database, Slack client, delivery worker and the HTTP server, started and
stopped as one. `cspr-bot serve` runs it in the foreground; tests run the very same thing."""

from __future__ import annotations

import logging
import threading
import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.app import build_app
from bot.clock import Clock, SystemClock
from bot.clock_skew import ClockSkew
from bot.clockwork.tick import Clockwork
from bot.delivery.slack_api import classify, make_client, slack_error, unreachable_reason
from bot.partnership import Partnership
from bot.server import SlackFront, http_server
from bot.services import Services
from bot.settings import HOW_TO_FIX, Settings
from storage import migrate
from storage.db import Database, sqlite_file

log = logging.getLogger("cspr-bot")

# Asking Slack again after it could not be reached: 1 s, then twice as long each time, up to a minute.
FIRST_RETRY = 1.0
LAST_RETRY = 60.0
# How often a Socket Mode connection is pinged; one silent for four times this is replaced.
SOCKET_PING_INTERVAL = 10.0


class CommandFailed(Exception):
    """The command cannot go on; each line of the message says what is wrong and how to fix it."""

    def __init__(self, message: str, *, exit_status: int = 2) -> None:
        super().__init__(message)
        self.exit_status = exit_status


def _refused(token: str, error: str) -> CommandFailed:
    return CommandFailed(f"Slack refused {token} ({error}): {HOW_TO_FIX[token]}", exit_status=1)


def open_database(settings: Settings, *, upgrade: bool = False) -> Database:
    """Connect, and with `upgrade` bring the schema up to date (once, however many instances start
    together). Without it the database must already exist with this version's schema: commands
    that only look (or tidy up) never create or migrate one, so a mistyped DATABASE_URL is named
    rather than answered from an empty database."""
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    missing = sqlite_file(settings.database_url)
    if not upgrade and missing is not None and not missing.is_file():
        raise CommandFailed(
            f"there is no database file {missing} (DATABASE_URL={shown}): create it with `cspr-bot db upgrade` "
            "or correct DATABASE_URL"
        )
    database = Database(settings.database_url)
    try:
        problem = migrate.upgrade(database) if upgrade else migrate.schema_problem(database)
    except OperationalError as exc:
        database.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no answer"
        raise CommandFailed(f"cannot use the database DATABASE_URL={shown}: {reason}") from None
    if problem:
        database.dispose()
        raise CommandFailed(f"the database DATABASE_URL={shown} {problem}")
    return database


class Runner:
    def __init__(
        self,
        settings: Settings,
        partnership: Partnership,
        *,
        clock: Clock | None = None,
        host: str = "0.0.0.0",
        port: int = 3000,
        socket_mode: bool = False,
    ) -> None:
        self.settings = settings
        self.socket_mode = socket_mode  # Slack's requests come over a WebSocket, not HTTP
        self.partnership = partnership
        self.clock = clock or SystemClock()
        self.host = host
        self.port = port
        self.skew = ClockSkew()
        self.services: Services | None = None
        self.app: App | None = None
        self.front: SlackFront | None = None
        self.slack_problem: str | None = None  # why Slack could not be asked, until it can
        self._server = None
        self._thread: threading.Thread | None = None
        self._socket: SocketModeHandler | None = None
        self._stopping = threading.Event()
        self._scheduler = None

    def prepare(self) -> Runner:
        """Slack first, so a refused token stops start-up before anything else happens; then the
        database. When Slack cannot be reached, `wait_for_slack` keeps asking."""
        self.slack_problem = self._ask_slack()
        if self.slack_problem:
            log.warning(
                "Slack does not answer at SLACK_API_URL=%s (%s); asking again, less and less often, until it does, "
                "with /healthz answering 503 meanwhile",
                self.settings.api_url,
                self.slack_problem,
            )
        database = open_database(self.settings, upgrade=True)
        self.services = Services.assemble(self.partnership, database, self.clock, make_client(self.settings, self.skew))
        if self.slack_problem is None:
            self._connected()
        return self

    def wait_for_slack(self) -> None:
        """Ask Slack again with backoff until it accepts the token, then serve its requests: a
        deployment that starts before its network does heals itself."""
        delay = FIRST_RETRY
        while self.slack_problem is not None:
            time.sleep(delay)
            delay = min(delay * 2, LAST_RETRY)
            self.slack_problem = self._ask_slack()
            if self.slack_problem is None:
                log.info("Slack answers now; serving its requests")
                self._connected()
            self._tell_front()

    def _ask_slack(self) -> str | None:
        """None once Slack accepts the tokens; why it could not be asked while it cannot be reached.
        A token Slack refuses stops start-up. In Socket Mode the link Slack gives to check the
        app-level token goes unused: the connection asks for its own."""
        client = make_client(self.settings, self.skew, quiet=True)
        token = "SLACK_BOT_TOKEN"
        try:
            client.auth_test()
            if self.socket_mode:
                token = "SLACK_APP_TOKEN"
                client.apps_connections_open(app_token=self.settings.app_token)
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
            if failure.refused:
                raise _refused(token, failure.error) from None
            return failure.error if isinstance(exc, SlackApiError) else unreachable_reason(exc)
        return None

    def _connected(self) -> None:
        assert self.services is not None
        self.app = build_app(self.services)
        self.services.worker.start()
        self.services.worker.wake()  # anything an earlier run left unsent

    def _tell_front(self) -> None:
        if self.front is None:
            return
        if self.app is not None:
            self.front.serve(self.app)
        else:
            self.front.wait(f"Slack does not answer: {self.slack_problem}")

    def start_scheduler(self) -> None:
        """The time-driven work: a tick every minute and the daily digest."""
        assert self.services is not None, "prepare() first"
        from bot.clockwork.scheduler import start_scheduler  # APScheduler loads after /healthz answers

        self._scheduler = start_scheduler(Clockwork(self.services), self.clock)

    def start_http(self) -> int:
        """Serve HTTP in a background thread; returns the port (useful when asked for port 0)."""
        assert self.services is not None and self.settings.signing_secret, "prepare() first, with a signing secret"
        self.front = SlackFront(self.settings.signing_secret, self.services.database, self.skew)
        self._tell_front()
        self._server = http_server(self.front, self.host, self.port)
        self._thread = threading.Thread(target=self._server.run, name="http", daemon=True)
        self._thread.start()
        log.info(
            "serving %s on http://%s:%s/slack/events", self.partnership.name, self.host, self._server.effective_port
        )
        return int(self._server.effective_port)

    def start_socket(self, *, ping_interval: float = SOCKET_PING_INTERVAL) -> None:
        """Take Slack's requests over a Socket Mode connection, reconnected whenever Slack asks or
        it drops."""
        assert self.socket_mode and self.app is not None, "prepare() and wait_for_slack() first, in Socket Mode"
        handler = SocketModeHandler(self.app, self.settings.app_token, ping_interval=ping_interval)
        try:
            handler.connect()
        except SlackApiError as exc:  # the token was revoked since start-up
            handler.close()
            raise _refused("SLACK_APP_TOKEN", slack_error(exc)) from None
        self._socket = handler
        log.info("serving %s in Socket Mode", self.partnership.name)

    def wait(self) -> None:
        """Until the HTTP server stops, or in Socket Mode until `stop`."""
        if self._thread is None:
            self._stopping.wait()
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(1.0)

    def stop(self) -> None:
        self._stopping.set()
        if self._socket is not None:
            self._socket.close()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
        if self._server is not None:
            try:
                # Closed from inside its own loop: closing it from here races the loop's poll().
                self._server.trigger.pull_trigger(self._server.close)
            except OSError:  # the loop has already closed its trigger, so nothing else races it
                self._server.close()
        if self._thread is not None:
            self._thread.join(10)
        if self._server is not None:
            self._server.task_dispatcher.shutdown()
        if self.services is not None:
            self.services.activity.wait_idle(10)  # let requests already answered finish their work
            if self.app is not None:  # the worker starts with the app
                self.services.worker.stop()
            self.services.database.dispose()

"""A running bot on Teams: database, Microsoft's client, delivery worker, the clockwork and the
web app under uvicorn, started and stopped as one. Tests run the very same thing."""

from __future__ import annotations

import logging
import threading
import time

import httpx
import uvicorn

from bot.clock import Clock, SystemClock
from bot.clockwork.scheduler import start_scheduler
from bot.clockwork.tick import Clockwork
from bot.partnership import Partnership
from bot.platforms.teams.microsoft import BOT_SCOPE, Microsoft, MicrosoftError
from bot.platforms.teams.server import teams_app
from bot.runner import FIRST_RETRY, LAST_RETRY, CommandFailed, open_database
from bot.services import Services
from bot.settings import HOW_TO_FIX, Settings

log = logging.getLogger("cspr-bot")
NEEDED = ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_CATALOG_APP_ID")


def microsoft_for(settings: Settings, partnership: Partnership) -> Microsoft:
    settings.require(*NEEDED)
    assert partnership.teams is not None, "the partnership file's checks ask for teams: on Teams"
    return Microsoft(settings.teams, partnership.teams.tenant_id)


def services_on_teams(
    settings: Settings, partnership: Partnership, clock: Clock, *, upgrade: bool, microsoft: Microsoft | None = None
) -> Services:
    """The bot's parts for a partnership on Teams, for serving or for a one-off command."""
    microsoft = microsoft or microsoft_for(settings, partnership)
    return Services.on_teams(partnership, open_database(settings, upgrade=upgrade), clock, microsoft)


class TeamsRunner:
    def __init__(
        self,
        settings: Settings,
        partnership: Partnership,
        *,
        clock: Clock | None = None,
        host: str = "0.0.0.0",
        port: int = 3978,
    ) -> None:
        if partnership.platform != "teams":
            raise CommandFailed("the partnership file says `platform: slack`: serve it without --platform teams")
        self.settings = settings
        self.partnership = partnership
        self.clock = clock or SystemClock()
        self.host, self.port = host, port
        self.services: Services | None = None
        self.microsoft: Microsoft | None = None
        self.problem: str | None = None  # why Microsoft could not be asked, until it can
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._scheduler = None
        self._delivering = False  # the delivery worker starts once Microsoft answers

    def prepare(self) -> TeamsRunner:
        """Microsoft first, so a refused app secret stops start-up before anything else happens;
        then the database. When Microsoft cannot be reached, `wait_for_microsoft` keeps asking."""
        self.microsoft = microsoft_for(self.settings, self.partnership)
        self.problem = self._ask_microsoft()
        self.services = services_on_teams(
            self.settings, self.partnership, self.clock, upgrade=True, microsoft=self.microsoft
        )
        if self.problem:
            log.warning(
                "Microsoft does not answer at TEAMS_LOGIN_URL=%s (%s); asking again, less and less often, "
                "with /healthz answering 503 meanwhile",
                self.settings.teams.login_url,
                self.problem,
            )
        else:
            self._connected()
        return self

    def _ask_microsoft(self) -> str | None:
        """None once Entra gives the bot a token; why it could not be asked while it cannot be
        reached. A secret Entra refuses stops start-up."""
        assert self.microsoft is not None
        try:
            self.microsoft.token(BOT_SCOPE)
        except MicrosoftError as refused:
            if refused.status in (400, 401):
                raise CommandFailed(
                    f"Microsoft refused TEAMS_APP_ID or TEAMS_APP_PASSWORD ({refused.code}): {HOW_TO_FIX['TEAMS_APP_PASSWORD']}",
                    exit_status=1,
                ) from None
            return f"token endpoint answered {refused.status}"
        except httpx.TransportError as unreachable:
            return type(unreachable).__name__
        return None

    def wait_for_microsoft(self) -> None:
        delay = FIRST_RETRY
        while self.problem is not None:
            time.sleep(delay)
            delay = min(delay * 2, LAST_RETRY)
            self.problem = self._ask_microsoft()
            if self.problem is None:
                log.info("Microsoft answers now; serving Teams")
                self._connected()

    def _connected(self) -> None:
        assert self.services is not None
        self._delivering = True
        self.services.worker.start()
        self.services.worker.wake()  # anything an earlier run left unsent

    def _health(self) -> str | None:
        return f"Microsoft does not answer: {self.problem}" if self.problem else None

    def start_scheduler(self) -> None:
        assert self.services is not None, "prepare() first"
        self._scheduler = start_scheduler(Clockwork(self.services), self.clock)

    def start_http(self) -> int:
        """Serve in a background thread; returns the port (useful when asked for port 0)."""
        assert self.services is not None, "prepare() first"
        app = teams_app(self.services, self.settings.teams, self._health)
        config = uvicorn.Config(
            app,
            host=self.host,
            port=self.port,
            log_level="warning",
            access_log=False,
            limit_concurrency=500,
            timeout_keep_alive=10,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="http", daemon=True)
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise CommandFailed(f"cannot serve on {self.host}:{self.port}")
            time.sleep(0.02)
        port = int(self._server.servers[0].sockets[0].getsockname()[1])
        log.info("serving %s on http://%s:%s/api/messages", self.partnership.name, self.host, port)
        return port

    def wait(self) -> None:
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(1.0)

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        if self.services is not None:
            self.services.activity.wait_idle(10)
            if self._delivering:
                self.services.worker.stop()
            self.services.database.dispose()
        if self.microsoft is not None:
            self.microsoft.close()

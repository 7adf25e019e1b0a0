"""Fixtures: a Slack stand-in over real HTTP, and the bot running exactly as `cspr-bot serve` runs it."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from bot.clock import SimulatedClock
from bot.partnership import Partnership, load
from bot.runner import Runner
from bot.settings import Settings
from bot.standin import SlackStandIn, SlackUser
from bot.standin.state import View
from tests import pgcluster

HERE = Path(__file__).resolve().parent
PARTNERSHIP_FILE = HERE / "data" / "partnership.yaml"
METHODS_FILE = HERE.parents[1] / "shared" / "slack" / "web-api-methods.json"
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
# A Monday morning in January, London time = UTC.
START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)

PEOPLE = {
    "U01CHAIR": "pprg.chair",
    "U01BIZMGR": "business.manager",
    "U01LADSP": "la.delegate",
    "U01ICBDSP": "icb.delegate",
    "U01POLDSP": "police.delegate",
    "U01POLICE": "police.lead",
    "U01CSC": "csc.lead",
    "U01HEALTH": "health.lead",
    "U01HEALTH2": "health.lead2",
    "U01EDU": "education.lead",
    "U01SCRUTINY": "scrutineer",
    "U0OUTSIDER": "someone.else",
}
GENERAL = "C0GENERAL"
LEARNING = "C0LEARNING"


def make_standin(**options) -> SlackStandIn:
    standin = SlackStandIn(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        methods_file=METHODS_FILE if METHODS_FILE.exists() else None,
        trigger_ttl=10.0,
        **options,
    )
    for user_id, name in PEOPLE.items():
        standin.add_user(user_id, name)
    standin.add_channel("C0123PPRG", "pprg", is_private=True, members=["U01CHAIR", "U01BIZMGR", "U0OUTSIDER", "U0BOT"])
    standin.add_channel(GENERAL, "general", members=[*PEOPLE, "U0BOT"])
    standin.add_channel(LEARNING, "learning-from-reviews", members=[*PEOPLE, "U0BOT"])
    return standin


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with make_standin() as running:
        yield running


@pytest.fixture
def partnership() -> Partnership:
    return load(PARTNERSHIP_FILE)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server: CSPR_TEST_POSTGRES_URL, a cluster started with `python -m
    tests.pgcluster start`, or else a throwaway cluster for this test session."""
    url = os.environ.get("CSPR_TEST_POSTGRES_URL") or pgcluster.url_of()
    if url:
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="cspr-test-pg-"))
    try:
        url = pgcluster.start(folder)
    except pgcluster.ClusterUnavailable as problem:
        if os.environ.get("CSPR_TEST_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here and not available: {problem}")
        pytest.skip(f"PostgreSQL is not available: {problem}")
    try:
        yield url
    finally:
        pgcluster.stop(folder)


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the test server, dropped afterwards."""
    server = make_url(request.getfixturevalue("postgres_server"))
    name = f"cspr_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cspr.db'}"
    return request.getfixturevalue("postgres_url")


@dataclass
class RunningBot:
    runner: Runner
    standin: SlackStandIn
    clock: SimulatedClock

    @property
    def services(self):
        return self.runner.services

    def user(self, name_or_id: str) -> SlackUser:
        user_id = next((uid for uid, name in PEOPLE.items() if name == name_or_id), name_or_id)
        return self.standin.user(user_id)

    def form(self, user: SlackUser, callback_id: str, timeout: float = 5.0) -> View:
        """The modal the bot opened for `user`, once it is open."""
        self.standin.wait_for(
            lambda s: any(
                v.user == user.id and v.view.get("callback_id") == callback_id and v.is_open for v in s.views.values()
            ),
            timeout,
            f"a {callback_id!r} form for {user.name}",
        )
        return user.last_view(callback_id)

    def text(self, message) -> str:
        """A message as a person reads it: mentions and channel links by name."""
        return self.standin.workspace.readable(message.blocks, message.text)

    def settle(self) -> None:
        """Wait until everything the last requests queued has been delivered."""
        assert self.services.wait_idle(10), "the bot did not settle"


def start_instance(
    standin: SlackStandIn, database_url: str, partnership: Partnership, clock: SimulatedClock
) -> tuple[Runner, int]:
    """One instance of the bot, exactly as `cspr-bot serve` runs it; returns it and its port."""
    settings = bot_settings(standin, database_url, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    runner = Runner(settings, partnership, clock=clock, host="127.0.0.1", port=0).prepare()
    return runner, runner.start_http()


def bot_settings(standin: SlackStandIn, database_url: str, **more: str) -> Settings:
    return Settings.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": database_url,
            "CSPR_CONFIG": str(PARTNERSHIP_FILE),
            **more,
        }
    )


def start_bot(standin: SlackStandIn, database_url: str, partnership: Partnership, clock: SimulatedClock) -> Runner:
    """The bot, with the stand-in's people sending their requests to it."""
    runner, port = start_instance(standin, database_url, partnership, clock)
    standin.app_url = f"http://127.0.0.1:{port}/slack/events"
    return runner


def start_socket_bot(
    standin: SlackStandIn, database_url: str, partnership: Partnership, clock: SimulatedClock
) -> Runner:
    """The bot as `cspr-bot serve --socket` runs it, connected to the stand-in's WebSocket; pinged
    every second so that a dead connection is replaced within seconds."""
    settings = bot_settings(standin, database_url, SLACK_APP_TOKEN=standin.app_token)
    runner = Runner(settings, partnership, clock=clock, socket_mode=True).prepare()
    runner.start_socket(ping_interval=1.0)
    standin.wait_for(lambda s: s.socket.open_connections, message="the bot's Socket Mode connection")
    return runner


@contextlib.contextmanager
def running_bot(
    start: Callable[[SlackStandIn, str, Partnership, SimulatedClock], Runner],
    standin: SlackStandIn,
    database_url: str,
    partnership: Partnership,
) -> Iterator[RunningBot]:
    """The bot as `start` starts it (`start_bot`, `start_socket_bot`), its clock at START; stopped afterwards."""
    clock = SimulatedClock(START)
    runner = start(standin, database_url, partnership, clock)
    try:
        yield RunningBot(runner, standin, clock)
    finally:
        runner.stop()


@pytest.fixture
def bot(standin: SlackStandIn, database_url: str, partnership: Partnership) -> Iterator[RunningBot]:
    with running_bot(start_bot, standin, database_url, partnership) as running:
        yield running

"""How soon Slack hears back: the bot's acknowledgement of each kind of request beside a bare Bolt
app's, both served by waitress in this process, under concurrent signed requests."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from benchmarks import databases
from benchmarks.bare_bolt import bare_server
from benchmarks.population import open_reviews
from benchmarks.slack_load import BOT_TOKEN, PARTNERSHIP_FILE, REQUESTS, SIGNING_SECRET, Timings, send, standin
from benchmarks.table import Table, ms, percentile
from bot.partnership import load
from bot.runner import Runner
from bot.settings import Settings
from bot.standin import SlackStandIn
from storage.db import Database

CASES = 300
COLUMNS = ("database", "request", "p50 ms", "p95 ms", "p99 ms", "errors", "p99 ratio to bare")


class _Failures(logging.Handler):
    """Counts what is logged as an error meanwhile: a failure after the answer is still one."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@contextmanager
def _bare(slack: SlackStandIn) -> Iterator[str]:
    server = bare_server(BOT_TOKEN, SIGNING_SECRET, slack.api_url, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, name="bare-bolt", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}/slack/events"
    finally:
        server.trigger.pull_trigger(server.close)
        thread.join(10)
        server.task_dispatcher.shutdown()


@contextmanager
def _ours(slack: SlackStandIn, url: str) -> Iterator[tuple[str, Runner]]:
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": url,
            "CSPR_CONFIG": str(PARTNERSHIP_FILE),
        }
    )
    runner = Runner(settings, load(PARTNERSHIP_FILE), host="127.0.0.1", port=0).prepare()
    try:
        yield f"http://127.0.0.1:{runner.start_http()}/slack/events", runner
    finally:
        runner.stop()


def run(smoke: bool) -> list[Table]:
    # 2,000 requests a client at full size; CSPR_BENCH_REQUESTS sets fewer for a quicker look.
    clients, each = (2, 10) if smoke else (20, int(os.environ.get("CSPR_BENCH_REQUESTS", "2000")))
    table = Table(
        f"Acknowledgement latency: {clients} clients at once, {each:,} signed requests each, {CASES} open cases",
        COLUMNS,
        notes=[
            "bare: a Bolt app whose only listener calls ack(), served by the same waitress settings",
            "sign off: the click that opens the sign-off form; the form opens after the acknowledgement",
        ],
    )
    failures = _Failures()
    logging.getLogger().addHandler(failures)
    try:
        for kind in databases.kinds():
            with databases.fresh(kind) as url, standin() as slack:
                database = Database(url)
                open_reviews(database, 1, CASES)
                database.dispose()
                with _bare(slack) as bare_url, _ours(slack, url) as (ours_url, runner):
                    for request in REQUESTS:
                        bare = send(bare_url, slack, request, clients=clients, each=each, cases=CASES)
                        failures.count = 0
                        ours = send(ours_url, slack, request, clients=clients, each=each, cases=CASES)
                        # What follows the acknowledgement (opening a form) is part of the request.
                        ours.errors += failures.count + (not runner.services.wait_idle(30))
                        table.add(kind, request, *_figures(ours), percentile(ours.seconds, 0.99) / _p99(bare))
                        table.add(kind, f"{request} (bare)", *_figures(bare), 1.0)
    finally:
        logging.getLogger().removeHandler(failures)
    return [table]


def _p99(timings: Timings) -> float:
    return percentile(timings.seconds, 0.99)


def _figures(timings: Timings) -> tuple[float, float, float, int]:
    p50, p95, p99 = (ms(percentile(timings.seconds, share)) for share in (0.5, 0.95, 0.99))
    return p50, p95, p99, timings.errors

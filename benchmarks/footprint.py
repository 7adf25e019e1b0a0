"""What a running bot costs the machine: `cspr-bot serve` from start to a healthy /healthz, and its
resident memory idle and after a burst of requests, beside a bare Bolt app's process."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks import databases
from benchmarks.population import open_reviews
from benchmarks.slack_load import BOT_TOKEN, PARTNERSHIP_FILE, REQUESTS, SIGNING_SECRET, Timings, send, standin
from benchmarks.table import Table, ms
from bot.standin import SlackStandIn
from storage.db import Database

CASES = 300
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Process:
    started: float  # seconds from launch to a 200 from /healthz
    idle: float  # MiB resident, settled after start-up
    after_burst: float  # MiB resident, settled after the burst
    errors: int


def run(smoke: bool) -> list[Table]:
    starts, clients, each = (1, 2, 5) if smoke else (3, 20, 10)
    with databases.fresh("sqlite") as url, standin() as slack:
        database = Database(url)
        open_reviews(database, 1, CASES)
        database.dispose()
        environment = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": url,
            "CSPR_CONFIG": str(PARTNERSHIP_FILE),
        }
        serve = [str(Path(sys.executable).with_name("cspr-bot")), "serve", "--host", "127.0.0.1", "--port"]
        bare = [sys.executable, "-m", "benchmarks.bare_bolt"]
        ours = [_measure(serve, environment, slack, clients, each) for _ in range(starts)]
        theirs = [_measure(bare, environment, slack, clients, each) for _ in range(starts)]
    table = Table(
        f"Footprint: `cspr-bot serve` on SQLite with {CASES} open cases, beside a bare Bolt app (median of {starts})",
        ("measure", "cspr-bot", "bare Bolt", "ratio", "errors"),
        notes=[
            "start-up: from launching the process to the first 200 from /healthz",
            f"burst: {clients} clients at once, {each} signed requests each of every kind ({', '.join(REQUESTS)})",
            "memory: VmRSS from /proc/<pid>/status, a second after start-up and after the burst",
        ],
    )
    errors = sum(process.errors for process in ours), sum(process.errors for process in theirs)
    for measure, unit, of in (
        ("start-up to healthy", "ms", lambda p: ms(p.started)),
        ("memory idle", "MiB", lambda p: p.idle),
        ("memory after the burst", "MiB", lambda p: p.after_burst),
    ):
        mine, yardstick = statistics.median(map(of, ours)), statistics.median(map(of, theirs))
        table.add(f"{measure} ({unit})", mine, yardstick, mine / yardstick, f"{errors[0]} / {errors[1]}")
    return [table]


def _measure(command: list[str], environment: dict[str, str], slack: SlackStandIn, clients: int, each: int) -> Process:
    port = _free_port()
    with _launched([*command, str(port)], environment) as (process, started):
        base = f"http://127.0.0.1:{port}"
        time.sleep(1.0)
        idle = _resident(process.pid)
        timings = Timings()
        for request in REQUESTS:
            send(f"{base}/slack/events", slack, request, clients=clients, each=each, cases=CASES, timings=timings)
        time.sleep(1.0)
        return Process(started, idle, _resident(process.pid), timings.errors)


@contextmanager
def _launched(command: list[str], environment: dict[str, str]) -> Iterator[tuple[subprocess.Popen, float]]:
    # Its log goes to a file: a pipe nobody reads would stop the process once it filled.
    with tempfile.TemporaryFile() as log:
        began = time.perf_counter()
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=log)
        try:
            while not _healthy(f"http://127.0.0.1:{command[-1]}/healthz"):
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"{command[0]} stopped: {log.read().decode()[-2000:]}")
                time.sleep(0.005)
            yield process, time.perf_counter() - began
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _healthy(url: str) -> bool:
    try:
        with _NO_PROXY.open(url, timeout=1) as answer:
            return answer.status == 200
    except OSError:
        return False


def _resident(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return kib / 1024


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

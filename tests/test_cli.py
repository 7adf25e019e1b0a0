"""The installed `cspr-bot` command: start-up errors, migrations, and serving Slack over HTTP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, inspect, make_url, text

from tests.conftest import BOT_TOKEN, GENERAL, PARTNERSHIP_FILE, SIGNING_SECRET, make_standin

CSPR_BOT = str(Path(sys.executable).with_name("cspr-bot"))


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CSPR_BOT, *args], env={**os.environ, **env}, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_missing_setting_stops_start_up_with_one_line(tmp_path):
    done = run(["serve"], {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": ""}, tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "cspr-bot: SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack app's Basic Information page"
    ]


def test_a_bad_partnership_file_lists_every_problem(tmp_path):
    bad = tmp_path / "partnership.yaml"
    bad.write_text("partnership: X\npprg_channel: nope\nchairs: [U01CHAIR]\nagencies: []\n")
    done = run(
        ["serve"], {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "s", "CSPR_CONFIG": str(bad)}, tmp_path
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"cspr-bot: {bad}: line 2, pprg_channel: 'nope' is not a Slack channel ID (like C0123ABCD)",
        f"cspr-bot: {bad}: line 4, agencies: should be a non-empty list of {{key, name, leads}}",
    ]


def test_an_unreachable_database_is_named_without_its_password(tmp_path):
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "s",
        "CSPR_CONFIG": str(PARTNERSHIP_FILE),
        "DATABASE_URL": "postgresql+psycopg://cspr:hunter2@127.0.0.1:9/cspr",
    }
    done = run(["serve"], env, tmp_path)
    assert done.returncode == 2
    assert "cannot use the database DATABASE_URL=postgresql+psycopg://cspr:***@127.0.0.1:9/cspr" in done.stderr
    assert "hunter2" not in done.stderr and "Traceback" not in done.stderr


def test_db_upgrade_works_from_any_directory(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    done = run(["db", "upgrade"], {"DATABASE_URL": url}, elsewhere)
    assert done.returncode == 0, done.stderr
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"cases", "signoffs", "decisions", "endorsements", "outbox", "cards", "audit_events"} <= tables
    assert run(["db", "upgrade"], {"DATABASE_URL": url}, elsewhere).returncode == 0  # nothing left to do


@pytest.fixture
def served(standin, tmp_path):
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "CSPR_CONFIG": str(PARTNERSHIP_FILE),
    }
    process = subprocess.Popen(
        [CSPR_BOT, "serve", "--host", "127.0.0.1", "--port", "0", "--no-scheduler"],
        env={**os.environ, **env},
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    port = None
    deadline = time.monotonic() + 30
    while port is None and time.monotonic() < deadline:
        line = process.stderr.readline()
        if match := re.search(r"on http://127\.0\.0\.1:(\d+)/slack/events", line):
            port = int(match[1])
    assert port, "cspr-bot serve did not start"
    standin.app_url = f"http://127.0.0.1:{port}/slack/events"
    try:
        yield port
    finally:
        process.terminate()
        process.wait(10)
        process.stderr.close()


def test_serve_answers_slack_and_health_checks(served, standin):
    with urllib.request.urlopen(f"http://127.0.0.1:{served}/healthz") as answer:
        assert answer.status == 200
    help_text = standin.user("U01CHAIR").command("/cspr", "help", channel_id=GENERAL)
    assert help_text.status == 200 and "Using /cspr" in json.dumps(help_text.json)
    body = urlencode({"command": "/cspr", "text": "help", "user_id": "U01CHAIR"}).encode()
    assert standin.post_signed(body, "application/x-www-form-urlencoded", signature="v0=bad").status == 401
    # A referral through the real process: the triage card reaches the PPRG channel.
    police = standin.user("U01POLICE")
    police.command("/cspr", "refer", channel_id=GENERAL)
    form = standin.wait_for(lambda s: [v for v in s.views.values() if v.user == "U01POLICE"], message="form")[0]
    london_today = datetime.now(ZoneInfo("Europe/London")).date().isoformat()
    values = {
        "referring_agency": "police",
        "child_identifier": "AB",
        "age_band": "5_9",
        "harm": "death",
        "abuse_types": ["neglect"],
        "incident_on": london_today,
        "aware_on": london_today,
        "agencies": ["police"],
        "summary": "Summary.",
        "criteria_view": "yes",
    }
    assert police.submit(form.id, values).json is None
    card = standin.wait_for(lambda s: s.messages("C0123PPRG"), message="the triage card", timeout=10)
    assert "Referral " in card[0].text


def serve(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [CSPR_BOT, "serve", "--host", "127.0.0.1", "--port", "0", "--no-scheduler"],
        env={**os.environ, **env},
        cwd=cwd,
        stderr=subprocess.PIPE,
        text=True,
    )


def health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked"])
def test_a_token_slack_refuses_stops_start_up_with_one_line(standin, tmp_path, error):
    standin.error("auth.test", error)
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "CSPR_CONFIG": str(PARTNERSHIP_FILE),
    }
    done = run(["serve", "--port", "0"], env, tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"cspr-bot: Slack refused SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token (xoxb-...) from your Slack "
        "app's OAuth & Permissions page"
    ]
    assert not (tmp_path / "bot.db").exists()  # stopped before anything else happened


def test_serve_waits_for_an_unreachable_slack_and_then_serves(tmp_path):
    with socket.socket() as probe:  # a port with nothing listening, where Slack will appear later
        probe.bind(("127.0.0.1", 0))
        slack_port = probe.getsockname()[1]
    later = make_standin()
    later.port = slack_port
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{slack_port}/api/",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "CSPR_CONFIG": str(PARTNERSHIP_FILE),
    }
    process = serve(env, tmp_path)
    lines: list[str] = []
    try:
        while not (match := re.search(r"on http://127\.0\.0\.1:(\d+)/slack/events", lines[-1] if lines else "")):
            lines.append(process.stderr.readline())
            assert lines[-1], "cspr-bot serve stopped: " + "".join(lines)
        port = int(match[1])
        status, answer = health(port)
        assert status == 503 and answer["status"] == "Slack does not answer: Connection refused"
        body = urlencode({"command": "/cspr", "text": "help", "user_id": "U01CHAIR"}).encode()
        later.app_url = f"http://127.0.0.1:{port}/slack/events"
        assert later.post_signed(body, "application/x-www-form-urlencoded").status == 503
        with later:
            deadline = time.monotonic() + 60
            while health(port)[0] != 200:
                assert time.monotonic() < deadline, "cspr-bot serve never began serving"
                time.sleep(0.2)
            answer = later.user("U01CHAIR").command("/cspr", "help", channel_id=GENERAL)
            assert answer.status == 200 and "Using /cspr" in json.dumps(answer.json)
    finally:
        process.terminate()
        process.wait(10)
        lines += process.stderr.readlines()
        process.stderr.close()
    said = [line for line in lines if "Slack" in line]
    assert len(said) == 2, lines
    assert f"WARNING cspr-bot: Slack does not answer at SLACK_API_URL=http://127.0.0.1:{slack_port}/api/ " in said[0]
    assert "(Connection refused)" in said[0] and "/healthz answering 503" in said[0]
    assert "INFO cspr-bot: Slack answers now; serving its requests" in said[1]
    assert not [line for line in lines if "Traceback" in line or "ERROR" in line]


INSPECTING = [["audit", "verify"], ["retention", "--dry-run"], ["tick"]]


@pytest.mark.parametrize("command", INSPECTING, ids=" ".join)
def test_inspecting_commands_never_create_or_migrate_a_database(command, database_url, tmp_path):
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "DATABASE_URL": database_url, "CSPR_CONFIG": str(PARTNERSHIP_FILE)}
    shown = make_url(database_url).render_as_string(hide_password=True)
    done = run(command, env, tmp_path)
    assert done.returncode == 2
    if database_url.startswith("sqlite"):
        missing = make_url(database_url).database
        assert done.stderr.strip().splitlines() == [
            f"cspr-bot: there is no database file {missing} (DATABASE_URL={shown}): create it with "
            "`cspr-bot db upgrade` or correct DATABASE_URL"
        ]
        assert not Path(missing).exists()
    else:
        assert done.stderr.strip().splitlines()[-1] == (
            f"cspr-bot: the database DATABASE_URL={shown} holds no cspr-bot schema: run `cspr-bot db upgrade`"
        )
        assert inspect(create_engine(database_url)).get_table_names() == []

    assert run(["db", "upgrade"], env, tmp_path).returncode == 0
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe'"))
    engine.dispose()
    unknown = (
        f"cspr-bot: the database DATABASE_URL={shown} holds a schema this cspr-bot does not know (revision f00dcafe): "
        "a newer cspr-bot made it, or another program"
    )
    for attempt in (command, ["db", "upgrade"]):
        done = run(attempt, env, tmp_path)
        assert done.returncode == 2 and done.stderr.strip().splitlines()[-1] == unknown


def test_an_output_path_that_cannot_be_written_is_refused_before_any_work(tmp_path):
    for path, problem in (
        (tmp_path / "missing" / "demo.json", f"there is no folder {tmp_path / 'missing'}"),
        (tmp_path, "it is a folder"),
    ):
        done = run(["demo", "--json", str(path)], {}, tmp_path)
        assert done.returncode == 2
        assert done.stderr.splitlines() == [
            f"cspr-bot demo: argument --json: cannot write {path}: {problem} (see cspr-bot demo --help)"
        ]
        assert done.stdout == ""  # the tour was never played

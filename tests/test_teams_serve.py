"""`cspr-bot serve --platform teams` as a deployment runs it: settings checked with one line each,
a secret Entra refuses stops start-up, and the endpoint refuses what Teams would never send."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("microsoft_teams.apps")

from bot.partnership import load  # noqa: E402
from bot.platforms.teams.runner import TeamsRunner  # noqa: E402
from bot.standin.teams import TeamsStandIn  # noqa: E402
from tests.teams_bot import (  # noqa: E402, F401 - the fixture
    CATALOG_APP,
    TENANT,
    TeamsBot,
    partnership_file,
    running_on_teams,
    settings,
    tenant,
)

CSPR_BOT = str(Path(sys.executable).with_name("cspr-bot"))


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TEAMS_", "GRAPH_", "SLACK_", "CSPR_"))}
    return subprocess.run([CSPR_BOT, *args], env={**clean, **env}, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_a_missing_teams_setting_is_named_in_one_line(tmp_path):
    with TeamsStandIn(tenant_id=TENANT, catalog_app_id=CATALOG_APP) as teams:
        config = partnership_file(tmp_path, *tenant(teams))
        env = {**teams.bot_environment(), "TEAMS_APP_PASSWORD": "", "CSPR_CONFIG": str(config)}
        done = run(["serve", "--platform", "teams", "--port", "0"], env, tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "cspr-bot: TEAMS_APP_PASSWORD is not set: create a client secret under the app registration's Certificates & secrets"
    ]


def test_a_secret_entra_refuses_stops_start_up_with_one_line_before_any_database(tmp_path):
    with TeamsStandIn(tenant_id=TENANT, catalog_app_id=CATALOG_APP) as teams:
        config = partnership_file(tmp_path, *tenant(teams))
        env = {
            **teams.bot_environment(),
            "TEAMS_APP_PASSWORD": "not-the-secret",
            "CSPR_CONFIG": str(config),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        }
        done = run(["serve", "--platform", "teams", "--port", "0"], env, tmp_path)
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("cspr-bot: Microsoft refused TEAMS_APP_ID or TEAMS_APP_PASSWORD (invalid_client)")
    assert not (tmp_path / "bot.db").exists()


def test_a_slack_partnership_is_not_served_as_a_teams_one(tmp_path):
    from tests.conftest import PARTNERSHIP_FILE

    with TeamsStandIn(tenant_id=TENANT, catalog_app_id=CATALOG_APP) as teams:
        env = {**teams.bot_environment(), "CSPR_CONFIG": str(PARTNERSHIP_FILE)}
        done = run(["serve", "--platform", "teams", "--port", "0"], env, tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "cspr-bot: the partnership file says `platform: slack`: serve it without --platform teams"
    )


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_endpoint_refuses_oversized_and_malformed_bodies_and_answers_health(teams_bot: TeamsBot):
    url = teams_bot.teams.bot_url
    token = teams_bot.teams.inbound_token()
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    assert post(url, b"x" * (300 * 1024), auth) == 413
    assert post(url, b"not json", auth) == 400
    assert post(url, json.dumps({"type": "message"}).encode(), auth) == 400  # no serviceUrl
    with urllib.request.urlopen(url.replace("/api/messages", "/healthz"), timeout=10) as answer:
        assert answer.status == 200 and json.loads(answer.read()) == {"ok": True}


def health(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_with_microsoft_out_of_reach_it_answers_503_and_serves_once_it_answers(tmp_path):
    with TeamsStandIn(tenant_id=TENANT, catalog_app_id=CATALOG_APP) as teams:
        config = partnership_file(tmp_path, *tenant(teams))
        teams.fail("token", status=503, times=2)  # Entra is down for the first two asks
        runner = TeamsRunner(
            settings(teams, f"sqlite:///{tmp_path / 'bot.db'}", config), load(config), host="127.0.0.1", port=0
        ).prepare()
        try:
            port = runner.start_http()
            status, body = health(f"http://127.0.0.1:{port}/healthz")
            assert status == 503 and "Microsoft does not answer" in body["reason"]
            runner.wait_for_microsoft()  # asks again after 1 s, 2 s: the second retry is answered
            assert health(f"http://127.0.0.1:{port}/healthz") == (200, {"ok": True})
            teams.bot_url = f"http://127.0.0.1:{port}/api/messages"
            chair = teams.user(next(iter(teams.tenant.users)))
            assert chair.say("help").status == 200
            teams.wait_for(lambda t: t.dms(chair.object_id)[1:], message="the answer")
        finally:
            runner.stop()

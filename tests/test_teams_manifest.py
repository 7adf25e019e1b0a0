"""`cspr-bot teams-manifest`: the Teams app package, checked against Microsoft's manifest schema."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from bot.standin.teams import check_manifest
from bot.standin.teams.schemas import MANIFEST_SCHEMA
from tests.conftest import PARTNERSHIP_FILE
from tests.test_cli import run

APP_ID = "6f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_package_holds_a_valid_manifest_with_the_bot_its_commands_and_two_icons(tmp_path: Path):
    env = {"TEAMS_APP_ID": APP_ID, "CSPR_CONFIG": str(PARTNERSHIP_FILE)}
    done = run(
        ["teams-manifest", "--out", str(tmp_path / "app.zip"), "--domain", "cspr-bot.example.org"], env, tmp_path
    )
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "app.zip") as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert png_size(package.read("color.png")) == (192, 192)
        assert png_size(package.read("outline.png")) == (32, 32)
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]][:3] == ["refer", "status", "list"]
    assert manifest["validDomains"] == ["cspr-bot.example.org"]
    if not MANIFEST_SCHEMA.exists():
        pytest.skip(f"Microsoft's manifest schema is not stored at {MANIFEST_SCHEMA}")
    check_manifest(manifest)


@pytest.mark.parametrize(
    ("env", "args", "problem"),
    [
        (
            {},
            ["--domain", "cspr-bot.example.org"],
            "cspr-bot: TEAMS_APP_ID is not set: copy the Application (client) ID",
        ),
        (
            {"TEAMS_APP_ID": APP_ID},
            ["--domain", "https://cspr-bot.example.org/"],
            "is not a host name like cspr-bot.example.org",
        ),
    ],
)
def test_mistakes_are_one_line_and_write_nothing(tmp_path: Path, env, args, problem):
    done = run(
        ["teams-manifest", "--out", str(tmp_path / "app.zip"), *args],
        {"CSPR_CONFIG": str(PARTNERSHIP_FILE), **env},
        tmp_path,
    )
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and problem in done.stderr
    assert not (tmp_path / "app.zip").exists()

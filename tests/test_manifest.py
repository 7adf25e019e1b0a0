"""The app manifest is valid for Slack and asks for everything the bot uses."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT.parent / "shared" / "slack" / "manifest.schema.1.0.0.json"
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_matches_slacks_schema():
    if not SCHEMA.exists():
        pytest.skip("Slack's manifest schema is not beside the repository")
    jsonschema.validate(MANIFEST, json.loads(SCHEMA.read_text()))


def test_manifest_has_the_command_events_and_scopes_the_bot_needs():
    assert [c["command"] for c in MANIFEST["features"]["slash_commands"]] == ["/cspr"]
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert {"app_home_opened", "member_joined_channel"} <= set(
        MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    )
    required = {"commands", "chat:write", "groups:write", "groups:read", "users:read", "im:write", "pins:write"}
    required |= {"im:history", "files:write"}  # the report's image: uploaded, and looked for before again
    assert required <= set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True

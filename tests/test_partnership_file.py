from datetime import date, time
from pathlib import Path

import pytest

from bot.partnership import PartnershipFileError, load, parse

SAMPLE = Path(__file__).parent / "data" / "partnership.yaml"


def test_the_sample_file_loads():
    partnership = load(SAMPLE)
    assert partnership.pprg_channel == "C0123PPRG"
    assert partnership.chairs == ("U01CHAIR",)
    assert partnership.partners == {"local_authority": "U01LADSP", "icb": "U01ICBDSP", "police": "U01POLDSP"}
    assert partnership.closure_days == frozenset({date(2026, 12, 24)})
    assert [a.key for a in partnership.agencies] == ["police", "csc", "health", "education"]
    assert partnership.agency("health").leads == ("U01HEALTH", "U01HEALTH2")
    assert partnership.agency_name("csc") == "Children's Social Care"
    assert partnership.reminders.days_left == (10, 5, 3, 2, 1, 0)
    assert partnership.digest_at == time(8, 30)


def problems(text: str) -> list[str]:
    with pytest.raises(PartnershipFileError) as raised:
        parse(text)
    return raised.value.problems


def test_every_problem_is_listed_with_its_line_and_key():
    found = problems(
        """partnership: Example
pprg_channel: general
chairs: [bob]
colour: blue
extra_closure_days: [2026-13-01, tomorrow]
agencies:
  - {key: police, name: Police, leads: [U01POLICE]}
  - {key: police, name: Police again, leads: [U02POLICE]}
  - {key: Health Team, name: Health, leads: []}
reminders: {days_left: [10, 99], time: "9am"}
"""
    )
    assert "line 2, pprg_channel: 'general' is not a Slack channel ID (like C0123ABCD)" in found
    assert "line 3, chairs[0]: 'bob' is not a Slack user ID (like U0123ABCD)" in found
    assert any(p.startswith("line 4, colour: unknown key") for p in found)
    assert any(p.startswith("line 5, extra_closure_days[0]:") for p in found)
    assert any(p.startswith("line 5, extra_closure_days[1]: 'tomorrow' is not a date") for p in found)
    assert "line 8, agencies[1].key: agency key 'police' is used twice" in found
    assert any(p.startswith("line 9, agencies[2].key:") for p in found)
    assert "line 9, agencies[2].leads: needs at least one Slack user ID" in found
    assert any(p.startswith("line 10, reminders.days_left:") for p in found)
    assert any(p.startswith("line 10, reminders.time: '9am'") for p in found)


def test_required_keys_and_duplicate_keys():
    found = problems("partnership: Example\npartnership: Again\nagencies: []\n")
    assert "line 2, partnership: appears twice" in found
    assert any("pprg_channel: is required" in p for p in found)
    assert any("chairs: is required" in p for p in found)
    assert any("agencies: should be a non-empty list" in p for p in found)


def test_unquoted_times_are_read_as_written():
    text = SAMPLE.read_text() + "reminders: {time: 09:15}\ndigest: {time: 07:45}\n"
    partnership = parse(text)
    assert partnership.reminders.at == time(9, 15)
    assert partnership.digest_at == time(7, 45)


def test_not_yaml_at_all():
    assert problems("partnership: [unclosed\n")[0].startswith("line 2: not valid YAML")


def test_partners_need_all_three_delegates():
    text = SAMPLE.read_text().replace("  police: U01POLDSP\n", "")
    assert any("safeguarding_partners.police: is required" in p for p in problems(text))


def test_a_missing_file_says_how_to_fix_it(tmp_path):
    with pytest.raises(PartnershipFileError) as raised:
        load(tmp_path / "nope.yaml")
    assert "set CSPR_CONFIG" in raised.value.problems[0]


TEAMS = """partnership: Example
platform: teams
teams: {tenant_id: 0f1e2d3c-4b5a-4697-8877-665544332211, pprg_team: 11111111-2222-4333-8444-555555555555}
pprg_channel: "19:pprg0channel@thread.tacv2"
chairs: [6f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c]
scrutineers: [7a1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c]
agencies:
  - {key: police, name: Police, leads: [8b1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c]}
"""


def test_a_partnership_on_teams_names_people_by_entra_id_and_its_channels_by_teams_id():
    partnership = parse(TEAMS)
    assert partnership.platform == "teams"
    assert partnership.teams.tenant_id == "0f1e2d3c-4b5a-4697-8877-665544332211"
    assert (partnership.teams.case_space, partnership.teams.case_space_team) == ("group_chat", None)
    assert partnership.pprg_channel == "19:pprg0channel@thread.tacv2"
    assert partnership.chairs == ("6f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c",)


def test_the_file_is_checked_for_the_platform_it_names():
    slack_ids_on_teams = TEAMS.replace("6f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c", "U01CHAIR").replace(
        '"19:pprg0channel@thread.tacv2"', "C0123PPRG"
    )
    assert problems(slack_ids_on_teams) == [
        "line 4, pprg_channel: 'C0123PPRG' is not a Teams channel ID (like 19:abc123@thread.tacv2)",
        "line 5, chairs[0]: 'U01CHAIR' is not an Entra object ID (like 6f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c)",
    ]
    assert problems(TEAMS.replace("platform: teams", "platform: zoom")) == [
        "line 2, platform: 'zoom' is not one of slack, teams",
        "line 3, teams: is only for a partnership on Teams (platform: teams)",
        "line 4, pprg_channel: '19:pprg0channel@thread.tacv2' is not a Slack channel ID (like C0123ABCD)",
        "line 5, chairs[0]: '6f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c' is not a Slack user ID (like U0123ABCD)",
        "line 8, agencies[0].leads[0]: '8b1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c' is not a Slack user ID (like U0123ABCD)",
        "line 6, scrutineers[0]: '7a1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c' is not a Slack user ID (like U0123ABCD)",
    ]
    private = TEAMS.replace(
        "pprg_team: 11111111-2222-4333-8444-555555555555}",
        "pprg_team: 11111111-2222-4333-8444-555555555555, case_space: private_channel}",
    )
    assert problems(private) == [
        "line 3, teams.case_space_team: is required for private channels: the team to make them in"
    ]
    assert problems(TEAMS.replace("teams: {tenant_id", "teems: {tenant_id"))[0].startswith("line 3, teems: unknown key")

"""`cspr-bot demo` runs with no settings at all and tells the whole story."""

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

CSPR_BOT = str(Path(sys.executable).with_name("cspr-bot"))
SETTINGS = ("SLACK_", "TEAMS_", "GRAPH_", "DATABASE_URL", "CSPR_")


def play(tmp_path: Path, *arguments: str) -> str:
    """`cspr-bot demo` with no settings at all in the environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(SETTINGS)}
    done = subprocess.run(
        [CSPR_BOT, "demo", *arguments], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_demo_plays_a_case_from_referral_to_published_learning(tmp_path):
    printed = play(tmp_path, "--json", str(tmp_path / "demo.json"))
    # The database lived in a temporary folder; the year's report is written next to the transcript.
    assert sorted(tmp_path.iterdir()) == [tmp_path / "demo-report.html", tmp_path / "demo.json"]
    report = (tmp_path / "demo-report.html").read_text()
    assert "<svg" in report and "Child M" not in report and "fractures" not in report.lower()
    entries = json.loads((tmp_path / "demo.json").read_text())
    texts = [entry["text"] for entry in entries]
    story = [
        "/cspr refer",
        "created #rr-2026-001 (private)",
        ":alarm_clock: *Rapid review 2026-001: 10 working days left*",
        ":alarm_clock: *Rapid review 2026-001: due today*",
        "Every agency has signed off.",
        "*Decision for rapid review 2026-001: Local CSPR.*",
        "was sent to the Panel on *Tue 12 Jan 2027*",
        "*The Panel has answered on 2026-001* (Mon 25 Jan 2027): Agrees with the decision.",
        ":calendar: *Local CSPR 2026-001: 5 months left*",
        "the earliest publication date is Thu 17 Jun 2027",
        "*Local CSPR 2026-001 may now be published* (from Thu 17 Jun 2027)",
        "Published learning",
        "/cspr library bruises",
        "*1 review matches bruises*",
        ":clipboard: *You own action 1.1 of 2026-001*",
        ":alarm_clock: *Your action 1.1 of 2026-001 is due Fri 25 Jun 2027*",
        "*Action 1.1 of 2026-001 is complete*",
        "Case 2026-001 closed",
        "archived #rr-2026-001",
    ]
    positions = [next(i for i, text in enumerate(texts) if line in text) for line in story]
    assert positions == sorted(positions)
    # Nothing on Christmas Eve (a local closure day), the bank holidays or weekends.
    for entry in entries:
        day = datetime.fromisoformat(entry["time"]).date()
        assert day not in (date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1))
        assert day.weekday() < 5
    # The child identifier and the summary never reach Slack.
    bot_lines = [e["text"] for e in entries if e["author"] == "cspr-bot"]
    assert not [t for t in bot_lines if "Child M" in t or "fractures" in t]
    assert "[Mon 11 Jan 2027 09:00] #rr-2026-001 · cspr-bot (post)" in printed
    # Months of daily digests are folded in the printed transcript; the JSON keeps every one.
    assert "more daily digests, to" in printed
    published = [e for e in entries if e["text"].startswith("Published learning")]
    assert sorted(e["channel"] for e in published) == ["#learning-from-reviews", "#pprg", "#rr-2026-001"]


def test_the_teams_demo_plays_the_rapid_review_to_the_panel(tmp_path):
    play(tmp_path, "--platform", "teams", "--json", str(tmp_path / "teams.json"))
    assert sorted(tmp_path.iterdir()) == [tmp_path / "teams.json"]
    entries = json.loads((tmp_path / "teams.json").read_text())
    texts = [entry["text"] for entry in entries]
    story = [
        "opened 'Refer a case' for @police.lead.priya",
        "Referral 2026-001",
        "created with @pprg.chair.sam, @business.manager.jo, @police.lead.priya",
        "Rapid review 2026-001",
        "Signed off 2026-001 for Education.",
        "Every agency has signed off.",
        "Rapid review 2026-001 was sent to the Panel on Tue 12 Jan 2027",
    ]
    position = 0
    for line in story:
        position = next(
            (i for i, text in enumerate(texts[position:], position) if line in text.replace("**", "")), None
        )
        assert position is not None, f"{line!r} not in the transcript, in order"
    # One sign-off for Education, though it was pressed twice; no child identifier anywhere.
    assert sum("Signed off 2026-001 for Education." in text for text in texts) == 1
    assert not [text for text in texts if "Child M" in text and "submitted" not in text]
    assert {entry["channel"] for entry in entries} >= {"#PPRG", "chat 'rr-2026-001'"}

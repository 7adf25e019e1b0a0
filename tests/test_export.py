"""`cspr-bot export`: a case's timeline from the audit trail, checked field by field, with the
child's details only when asked for, and that asking itself audited."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.clockwork.tick import Clockwork
from tests.conftest import PARTNERSHIP_FILE, RunningBot
from tests.journey import CHAIR, MANAGER, actions_audited, at, click_and_submit, submit, to_the_panel
from tests.test_cli import run


def exported(bot: RunningBot, tmp_path: Path, *args: str) -> str:
    env = {"DATABASE_URL": bot.runner.settings.database_url, "CSPR_CONFIG": str(PARTNERSHIP_FILE)}
    done = run(["export", "2026-001", *args], env, tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_timeline_lists_every_step_and_keeps_the_child_out_unless_asked(bot: RunningBot, tmp_path: Path):
    channel = to_the_panel(bot, "no_further_review", "2026-01-05")
    at(bot, "2026-01-19T10:00")
    click_and_submit(
        bot, MANAGER, "panel_agrees", "panel_answer", {"answered_on": "2026-01-16", "note": "Panel note."},
        channel_id=channel,
    )  # fmt: skip
    at(bot, "2026-01-20T11:15")
    bot.user(CHAIR).command("/cspr", "close", channel_id=channel)
    submit(bot, CHAIR, "close_case", {"note": "Records in the secure store."})
    Clockwork(bot.services).tick(at(bot, "2026-01-20T11:16"))  # the channel is archived after the summary

    rows = list(csv.reader(io.StringIO(exported(bot, tmp_path, "--format", "csv"))))
    assert rows[0] == ["date", "time", "step", "by", "role", "detail"]
    assert rows[1:] == [
        ["2026-01-05", "09:30", "Referred", "U01POLICE", "lead for Example Police",
         "agencies involved: Example Police, Children's Social Care, Integrated Care Board"],
        ["2026-01-05", "09:30", "Rapid review started", "U01CHAIR", "PPRG chair",
         "notification sent to the Panel on Mon 5 Jan 2026"],
        ["2026-01-05", "09:30", "Private case channel made", "U01CHAIR", "PPRG chair", ""],
        ["2026-01-05", "09:30", "Signed off", "U01POLICE", "lead for Example Police", "Example Police"],
        ["2026-01-05", "09:30", "Signed off", "U01CSC", "lead for Children's Social Care; lead for Education",
         "Children's Social Care"],
        ["2026-01-05", "09:30", "Signed off", "U01HEALTH", "lead for Integrated Care Board", "Integrated Care Board"],
        ["2026-01-05", "09:30", "PPRG recommendation", "U01CHAIR", "PPRG chair", "No further review"],
        ["2026-01-05", "09:30", "Endorsed", "U01LADSP", "delegated safeguarding partner for the Local authority", "Local authority"],
        ["2026-01-05", "09:30", "Endorsed", "U01ICBDSP", "delegated safeguarding partner for the Integrated Care Board", "Integrated Care Board"],
        ["2026-01-05", "09:30", "Endorsed", "U01POLDSP", "delegated safeguarding partner for the Police", "Police"],
        ["2026-01-05", "09:30", "Decision final", "U01CHAIR", "PPRG chair", "No further review"],
        ["2026-01-05", "09:30", "Rapid review sent to the Panel", "U01BIZMGR", "PPRG business manager", "Mon 5 Jan 2026"],
        ["2026-01-19", "10:00", "The Panel's answer", "U01BIZMGR", "PPRG business manager",
         "Agrees with the decision (Fri 16 Jan 2026)"],
        ["2026-01-20", "11:15", "Case closed", "U01CHAIR", "PPRG chair", ""],
        ["2026-01-20", "11:16", "Case channel archived", "cspr-bot", "the bot", ""],
    ]  # fmt: skip
    markdown = exported(bot, tmp_path)
    for text in ("ZQX", "Fractures", "Panel note", "secure store", "Learning for every agency"):
        assert text not in markdown, text
    assert markdown.startswith("# Case 2026-001: timeline\n")
    assert "| 2026-01-19 | 10:00 | The Panel's answer | U01BIZMGR | PPRG business manager |" in markdown
    assert "timeline_exported" not in actions_audited(bot)

    # With identifiers: the child's details and every note, and the export written to the audit trail.
    output = tmp_path / "timeline.csv"
    exported(bot, tmp_path, "--format", "csv", "--include-identifiers", "--output", str(output))
    full = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8"))))
    assert full[0][-1] == "note"
    notes = {row[2]: row[-1] for row in full[1:]}
    assert notes["Referred"] == "Child: Child ZQX. Summary: Fractures found at a routine appointment. <!channel>"
    assert notes["PPRG recommendation"] == "Learning for every agency."
    assert notes["The Panel's answer"] == "Panel note."
    assert notes["Case closed"] == "Records in the secure store."
    assert actions_audited(bot).count("timeline_exported") == 1
    assert "Timeline exported with the child's identifier" in exported(bot, tmp_path)

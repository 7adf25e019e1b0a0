"""`cspr-bot report`: the period it covers by default, and every mistake refused in one line
before any work, with nothing written."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests import report_year
from tests.test_cli import run

# Nothing listens here: a command that reached for the database would fail differently.
NO_DATABASE = "postgresql+psycopg://cspr:secret@127.0.0.1:9/cspr"


def test_without_dates_the_report_covers_the_reporting_year_today_is_in(tmp_path: Path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
        "CSPR_CONFIG": str(report_year.write_partnership(tmp_path)),
    }
    assert run(["db", "upgrade"], env, tmp_path).returncode == 0
    done = run(["report", "--format", "json"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    today = datetime.now(ZoneInfo("Europe/London")).date()
    starts = today.year if (today.month, today.day) >= (4, 1) else today.year - 1
    assert report["about"] == {
        "partnership": "Example Safeguarding Children Partnership",
        "period": f"{starts}/{(starts + 1) % 100:02d}",
        "from": f"{starts}-04-01",
        "to": f"{starts + 1}-03-31",
        "as_of": today.isoformat(),  # the year is not over: figures as they stand today
        "suppress_below": 5,
    }
    # Nobody referred: every group is "fewer than 5", and a total of none gives nothing away.
    assert report["children"]["referrals"] == 0
    assert set(report["children"]["age_band"].values()) == {"fewer than 5"}


def test_the_partnership_file_sets_the_year_and_the_threshold(tmp_path: Path):
    config = report_year.write_partnership(tmp_path)
    config.write_text(config.read_text() + 'report: {year_starts: "01-01", suppress_below: 3}\n')
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "CSPR_CONFIG": str(config)}
    assert run(["db", "upgrade"], env, tmp_path).returncode == 0
    done = run(["report", "--format", "csv"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    today = datetime.now(ZoneInfo("Europe/London")).date()
    assert f"about,from,{today.year}-01-01\n" in done.stdout
    assert f"about,to,{today.year}-12-31\n" in done.stdout
    assert "children,harm.death,fewer than 3\n" in done.stdout


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--format", "pdf"], "--format 'pdf': give --format html, csv or json"),
        ([], "no --format: give --format html, csv or json"),
        (["--format", "json", "--from", "2026-04-01"], "give both --from and --to, or neither for this reporting year"),
        (["--format", "json", "--to", "2027-03-31"], "give both --from and --to, or neither for this reporting year"),
        (["--format", "json", "--from", "2026-13-01", "--to", "2027-03-31"], "--from '2026-13-01' is not a date like 2026-04-01"),
        (["--format", "json", "--from", "2026-04-01", "--to", "31/03/2027"], "--to '31/03/2027' is not a date like 2026-04-01"),
        (["--format", "json", "--from", "2026-04-01", "--to", "2026-03-31"], "the period ends (2026-03-31) before it starts (2026-04-01)"),
        (["--format", "json", "--from", "2026-04-01", "--to", "2031-04-01"], "the period is longer than 5 years: report on 5 years or fewer at a time"),
        (["--format", "json", "--from", "0001-01-01", "--to", "0001-12-31"], "give dates from 1900 to 2199"),
        (["--format", "html", "--output", "{tmp}/missing/report.html"], "cspr-bot report: argument --output: cannot write {tmp}/missing/report.html: there is no folder {tmp}/missing (see cspr-bot report --help)"),
        (["--format", "html", "--output", "{tmp}"], "cspr-bot report: argument --output: cannot write {tmp}: it is a folder (see cspr-bot report --help)"),
    ],
)  # fmt: skip
def test_mistakes_are_refused_in_one_line_before_any_work_and_nothing_is_written(tmp_path: Path, args, problem):
    env = {"DATABASE_URL": NO_DATABASE, "CSPR_CONFIG": str(report_year.write_partnership(tmp_path))}
    before = sorted(tmp_path.rglob("*"))
    done = run(["report", *(arg.format(tmp=tmp_path) for arg in args)], env, tmp_path)
    assert done.returncode == 2
    line = problem.format(tmp=tmp_path)
    assert done.stderr.splitlines() == [line if line.startswith("cspr-bot ") else f"cspr-bot: {line}"]
    assert done.stdout == ""
    assert sorted(tmp_path.rglob("*")) == before

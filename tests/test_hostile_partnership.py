"""Malformed and hostile partnership files: refused at start with every problem listed, by the
parser and by the real `cspr-bot serve`, never with a traceback or a hang."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.partnership import PartnershipFileError, load, parse
from tests.conftest import BOT_TOKEN, PARTNERSHIP_FILE

CSPR_BOT = str(Path(sys.executable).with_name("cspr-bot"))
GOOD = PARTNERSHIP_FILE.read_text(encoding="utf-8")
# "line N, some.key[2].path: message"
KEYED = re.compile(r"^line (\d+), ([A-Za-z_][\w.\[\]]*): \S")

# Several problems at once, each on a known line: every one must be reported.
MANY_PROBLEMS = """\
partnership: Example
pprg_channel: C0123PPRG
chairs: [bob, "<@U01CHAIR>"]
business_managers: [u01lower]
colour: blue
safeguarding_partners:
  local_authority: C0NOTAUSER
  icb: U01ICBDSP
  police: U01POLDSP
  fire: U0FIRE
extra_closure_days: [2026-13-01, tomorrow, 2026-02-30, 2026-12-24T10:00:00]
agencies:
  - {key: police, name: Police, leads: [U01POLICE]}
  - {key: police, name: Police again, leads: [U02POLICE]}
  - {key: health, name: Health, leads: []}
  - {key: csc, name: CSC}
  - {key: edu, name: Education, leads: [U01EDU], phone: "0123"}
reminders: {days_left: [10, 99], time: "9am", when: daily}
digest: {time: "25:00"}
retention: {time: "12:60"}
"""
MANY_EXPECTED = [
    (3, "chairs[0]", "'bob' is not a Slack user ID"),
    (3, "chairs[1]", "'<@U01CHAIR>' is not a Slack user ID"),
    (4, "business_managers[0]", "'u01lower' is not a Slack user ID"),
    (5, "colour", "unknown key"),
    (7, "safeguarding_partners.local_authority", "'C0NOTAUSER' is not a Slack user ID"),
    (10, "safeguarding_partners.fire", "unknown key"),
    (11, "extra_closure_days[0]", "is not a date"),
    (11, "extra_closure_days[1]", "'tomorrow' is not a date"),
    (11, "extra_closure_days[2]", "is not a date"),
    (11, "extra_closure_days[3]", "is not a date"),
    (14, "agencies[1].key", "agency key 'police' is used twice"),
    (15, "agencies[2].leads", "needs at least one Slack user ID"),
    (16, "agencies[3].leads", "is required"),
    (17, "agencies[4].phone", "unknown key"),
    (18, "reminders.days_left", "should be a list of distinct whole numbers"),
    (18, "reminders.time", "'9am' is not a 24-hour time"),
    (18, "reminders.when", "unknown key"),
    (19, "digest.time", "'25:00' is not a 24-hour time"),
    (20, "retention.time", "'12:60' is not a 24-hour time"),
]

DUPLICATE_KEYS = """\
partnership: Example
partnership: Again
pprg_channel: C0123PPRG
chairs: [U01CHAIR]
safeguarding_partners:
  local_authority: U01LADSP
  local_authority: U01OTHER
  icb: U01ICBDSP
  police: U01POLDSP
agencies:
  - {key: police, name: Police, leads: [U01POLICE], leads: [U01OTHER]}
"""

BILLION_LAUGHS = (
    "partnership: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"l{i}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))
    + GOOD.split("\n", 1)[1]
)


def problems(text: str) -> list[str]:
    with pytest.raises(PartnershipFileError) as raised:
        parse(text)
    found = raised.value.problems
    assert found and all(isinstance(p, str) and p for p in found)
    return found


def keyed(found: list[str]) -> list[tuple[int, str, str]]:
    """Each problem as (line, key, message); every problem must name both."""
    parsed = []
    for problem in found:
        match = KEYED.match(problem)
        assert match, f"problem does not name its line and key: {problem!r}"
        parsed.append((int(match[1]), match[2], problem[match.end(2) + 2 :]))
    return parsed


def test_every_problem_is_listed_at_once_with_its_line_and_key():
    found = keyed(problems(MANY_PROBLEMS))
    for line, key, message in MANY_EXPECTED:
        assert any(at == line and k == key and message in m for at, k, m in found), (line, key, message, found)
    assert len(found) == len(MANY_EXPECTED), found


def test_duplicate_mapping_keys_are_refused_wherever_they_are():
    found = keyed(problems(DUPLICATE_KEYS))
    assert (2, "partnership") in [(at, k) for at, k, _ in found]
    assert (7, "safeguarding_partners.local_authority") in [(at, k) for at, k, _ in found]
    assert (11, "agencies[0].leads") in [(at, k) for at, k, _ in found]
    assert all("appears twice" in m for _, _, m in found), found


def test_anchors_and_aliases_are_refused_before_anything_expands():
    found = problems(BILLION_LAUGHS)
    assert found == ["line 2: anchors and aliases (*name) are not allowed"]


def test_a_huge_file_is_refused_without_reading_it_as_yaml():
    found = problems(GOOD + "# " + "x" * 1_100_000 + "\n")
    assert found == ["the file is larger than 1000000 characters"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("- police\n- csc\n", "line 1, (top level): should be a mapping of keys to values"),
        ("just some words\n", "line 1, (top level): should be a mapping of keys to values"),
        ("~\n", "line 1, (top level): should be a mapping of keys to values"),
        ("", "partnership: the file is empty"),
        ("   \n\n", "partnership: the file is empty"),
        ("# only a comment\n", "partnership: the file is empty"),
    ],
    ids=["list", "scalar", "null", "empty", "blank", "comment"],
)
def test_a_file_that_is_not_a_mapping_or_is_empty(text, expected):
    assert problems(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        GOOD + "x: \x00\x01\x02\n",  # control characters YAML may not contain
        "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00",
        GOOD.replace("partnership: Example", "partnership: \x1b[2J\x07Example"),
    ],
    ids=["nul-in-value", "elf-header", "terminal-escape"],
)
def test_garbage_characters_are_a_yaml_problem_not_a_crash(text):
    found = problems(text)
    assert len(found) == 1 and "not valid YAML" in found[0], found


def test_binary_garbage_on_disk_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "partnership.yaml"
    path.write_bytes(b"\xff\xfe\x00\x01\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(PartnershipFileError) as raised:
        load(path)
    assert len(raised.value.problems) == 1


@pytest.mark.parametrize(
    "tail",
    ["reminders: " + "[" * 600 + "]" * 600 + "\n", "digest: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n"],
    ids=["sequences", "mappings"],
)
def test_deeply_nested_collections_are_a_problem_not_a_crash(tail):
    found = problems(GOOD + tail)
    assert found and all("line" in p for p in found), found


def test_a_hostile_key_name_stays_on_one_line():
    # A key spelled with a newline or a terminal escape must not forge extra lines of output.
    found = problems(GOOD + '"chairs\\nline 1, pprg_channel: forged": 1\n"bell\\e[2J": 2\n')
    assert len(found) == 2, found
    assert all("\n" not in p and "\x1b" not in p for p in found), found


# The real command, for each way a file can be refused (parse problems, size, aliases, emptiness,
# bytes that are not text, nesting, hostile key names); all started at once to keep the run short.
SERVE_FILES = {
    "many-problems": MANY_PROBLEMS.encode(),
    "billion-laughs": BILLION_LAUGHS.encode(),
    "huge": (GOOD + "# " + "x" * 1_100_000 + "\n").encode(),
    "empty": b"",
    "binary": b"\xff\xfe\x00\x01\x89PNG\r\n\x1a\n" + bytes(range(256)),
    "deep-nesting": (GOOD + "digest: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n").encode(),
    "hostile-key": (GOOD + '"x\\ny": 1\n').encode(),
}


def test_serve_refuses_each_hostile_file_with_one_line_per_problem(tmp_path):
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "s",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'never-used.db'}",
    }
    running = {}
    for name, content in SERVE_FILES.items():
        path = tmp_path / f"{name}.yaml"
        path.write_bytes(content)
        running[name] = (
            path,
            content,
            subprocess.Popen(
                [CSPR_BOT, "serve", "--host", "127.0.0.1", "--port", "0", "--no-scheduler"],
                env={**env, "CSPR_CONFIG": str(path)},
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
            ),
        )
    failures = []
    for name, (path, content, process) in running.items():
        try:
            _, stderr = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            failures.append(f"{name}: still running after 60 s")
            continue
        lines = stderr.strip().splitlines()
        prefix = f"cspr-bot: {path}: "
        if process.returncode != 2 or "Traceback" in stderr or not lines:
            failures.append(f"{name}: exit {process.returncode}, stderr ends {stderr[-300:]!r}")
            continue
        if any(not line.startswith(prefix) for line in lines):
            failures.append(f"{name}: a line that is not one problem: {lines!r}"[:400])
            continue
        try:
            expected = parse(content.decode("utf-8"), str(path)) and []
        except PartnershipFileError as refused:
            expected = refused.problems
        except Exception:  # the parser's own failure is reported by the tests above
            expected = None
        if expected is not None and lines != [prefix + p for p in expected]:
            failures.append(f"{name}: printed {lines!r}, expected one line for each of {expected!r}"[:400])
    assert not failures, "\n".join(failures)
    assert not list(tmp_path.glob("*.db")), "a refused start must not touch the database"

"""Every benchmark runs at its smoke size, so the suite cannot rot; the figures themselves come from
`python -m benchmarks` (benchmarks/README.md), never from a timed test."""

from __future__ import annotations

import re

import pytest

from benchmarks.__main__ import SUITE, main


def tables(printed: str) -> dict[str, list[dict[str, str]]]:
    """Each printed Markdown table, by title: its rows as {column: cell}."""
    found: dict[str, list[dict[str, str]]] = {}
    for title, body in re.findall(r"^### (.+)\n\n((?:\|.*\|\n)+)", printed, re.MULTILINE):
        header, _, *rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in body.splitlines()]
        found[title] = [dict(zip(header, row, strict=True)) for row in rows]
    return found


@pytest.mark.parametrize("name", SUITE)
def test_each_benchmark_runs_and_its_checks_hold(name, capsys, postgres_server, monkeypatch):
    monkeypatch.setenv("CSPR_TEST_POSTGRES_URL", postgres_server)  # both databases, as the full run
    assert main(["--smoke", name]) == 0
    printed = tables(capsys.readouterr().out)
    assert printed and all(printed.values()), printed
    for rows in printed.values():
        for row in rows:
            assert row.get("lost", "0") == "0" and row.get("duplicates", "0") == "0", row
            assert set(re.findall(r"\d+", row.get("errors", "0"))) <= {"0"} and "NO" not in row.values(), row

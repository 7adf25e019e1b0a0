"""Each benchmark runs at smoke size and prints tables with rows, losing and doubling nothing.
It proves they run, not how fast: nothing here is timed."""

from __future__ import annotations

import re

import pytest

from benchmarks.__main__ import main


def tables(printed: str) -> dict[str, list[dict[str, str]]]:
    """Each printed Markdown table, by title: its rows as {column: cell}."""
    found: dict[str, list[dict[str, str]]] = {}
    for title, body in re.findall(r"^### (.+)\n\n((?:\|.*\|\n)+)", printed, re.MULTILINE):
        header, _, *rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in body.splitlines()]
        found[title] = [dict(zip(header, row, strict=True)) for row in rows]
    return found


@pytest.mark.parametrize("name", ["tick_history", "morning"])
def test_a_benchmark_runs_at_smoke_size(name, capsys, monkeypatch, postgres_server):
    monkeypatch.setenv("CSPR_TEST_POSTGRES_URL", postgres_server)
    assert main(["--smoke", name]) == 0
    printed = tables(capsys.readouterr().out)
    assert printed and all(printed.values()), printed
    for rows in printed.values():
        for row in rows:
            assert row.get("lost", "0") == "0" and row.get("duplicates", "0") == "0", row

"""Every benchmark runs at its smoke size, so the suite cannot rot; the figures themselves come from
`python -m benchmarks` (benchmarks/README.md), never from a timed test."""

from __future__ import annotations

import pytest

from benchmarks.__main__ import SUITE, main


@pytest.mark.parametrize("name", SUITE)
def test_each_benchmark_runs_and_its_checks_hold(name, capsys, postgres_server, monkeypatch):
    monkeypatch.setenv("CSPR_TEST_POSTGRES_URL", postgres_server)  # both databases, as the full run
    assert main(["--smoke", name]) == 0
    printed = capsys.readouterr().out
    rows = [line for line in printed.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) > 1, printed  # a heading and at least one measured row
    assert "| NO |" not in printed, printed  # every correctness column holds
    assert "postgresql" in printed or name == "working_days", printed

"""Each benchmark runs at its smoke size and prints tables with rows and no errors (it measures nothing here)."""

from __future__ import annotations

import pytest

from benchmarks.__main__ import main


@pytest.mark.parametrize("name", ["latency", "footprint"])
def test_runs_at_smoke_size(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--smoke", name]) == 0
    tables = [part for part in capsys.readouterr().out.split("### ")[1:]]
    assert tables, f"{name} printed no table"
    for table in tables:
        lines = [line for line in table.splitlines() if line.startswith("|")]
        header = [cell.strip() for cell in lines[0].strip("|").split("|")]
        rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
        assert rows, f"{name}: a table with no rows:\n{table}"
        errors = header.index("errors")
        assert all(set(row[errors]) <= set("0 /") for row in rows), f"{name}: errors:\n{table}"

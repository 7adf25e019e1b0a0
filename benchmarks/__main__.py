"""python -m benchmarks [--smoke] [NAME ...]: print every table (or the named ones) as Markdown.

--smoke runs each at a tiny size, for the test suite: it proves they run, not how fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sqlite3
import sys
import time

from sqlalchemy import create_engine, text

from benchmarks import databases

# In the order the README gives them; each module has run(smoke) -> list[Table].
SUITE = ("latency", "tick_history", "morning", "digest", "footprint", "working_days")


def machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo") as info:
            kib = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
        memory = f", {kib / 2**20:.0f} GiB memory"
    except (OSError, StopIteration):
        pass
    lines = [
        f"- machine: {os.cpu_count()} cores{memory}, {platform.system()} {platform.machine()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]
    if server := databases.postgres_server():
        engine = create_engine(server)
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one()
        engine.dispose()
        lines.append(f"- PostgreSQL {version} (local, fsync off, as the tests run it)")
    else:
        lines.append("- PostgreSQL: none found, SQLite only (run `python -m tests.pgcluster start` first)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: proves each runs, measures nothing")
    parser.add_argument("names", nargs="*", metavar="NAME", help="any of " + ", ".join(SUITE))
    args = parser.parse_args(argv)
    if unknown := set(args.names) - set(SUITE):
        parser.error(f"no benchmark named {', '.join(sorted(unknown))}: choose from {', '.join(SUITE)}")
    print(f"## cspr-bot benchmarks{' (smoke sizes)' if args.smoke else ''}\n\n{machine()}\n", flush=True)
    for name in args.names or SUITE:
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        for table in module.run(args.smoke):
            print(table.markdown(), flush=True)
        print(f"<!-- {name}: {time.perf_counter() - started:.0f} s -->\n", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

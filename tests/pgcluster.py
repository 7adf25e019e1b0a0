"""A throwaway PostgreSQL cluster for the tests, from the system's PostgreSQL packages.

    python -m tests.pgcluster start    # prints the URL; the tests pick the cluster up by themselves
    python -m tests.pgcluster stop

It lives in one folder (default: $TMPDIR/cspr-test-postgres), listens on 127.0.0.1 only, trusts
local connections and skips fsync: it is for tests, never for data. PostgreSQL refuses to run as
root, so as root it runs as the `postgres` user.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_FOLDER = Path(tempfile.gettempdir()) / "cspr-test-postgres"


class ClusterUnavailable(Exception):
    pass


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise ClusterUnavailable(f"{name} not found: install PostgreSQL (Debian: apt-get install postgresql)")


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    if not shutil.which("runuser"):
        raise ClusterUnavailable("running as root needs runuser to start PostgreSQL as the postgres user")
    return ["runuser", "-u", "postgres", "--", *command]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def url_of(folder: Path = DEFAULT_FOLDER) -> str | None:
    """The running cluster's URL, if this folder holds one that answers."""
    url_file = folder / "url"
    if not url_file.exists():
        return None
    status = subprocess.run(_as_owner([_binary("pg_ctl"), "status", "-D", str(folder / "data")]), capture_output=True)
    return url_file.read_text().strip() if status.returncode == 0 else None


def start(folder: Path = DEFAULT_FOLDER) -> str:
    if running := url_of(folder):
        return running
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    port = _free_port()
    quiet = {"capture_output": True, "text": True}
    initdb = subprocess.run(
        _as_owner([_binary("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"]), **quiet
    )
    if initdb.returncode != 0:
        raise ClusterUnavailable(f"initdb failed: {initdb.stderr.strip()}")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    started = subprocess.run(
        _as_owner([_binary("pg_ctl"), "start", "-w", "-D", str(data), "-l", str(folder / "log"), "-o", options]),
        **quiet,
    )
    if started.returncode != 0:
        raise ClusterUnavailable(
            f"pg_ctl start failed: {started.stderr.strip() or (folder / 'log').read_text()[-500:]}"
        )
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    (folder / "url").write_text(url + "\n")
    return url


def stop(folder: Path = DEFAULT_FOLDER) -> None:
    if (folder / "data").exists():
        subprocess.run(
            _as_owner([_binary("pg_ctl"), "stop", "-D", str(folder / "data"), "-m", "fast", "-w"]), capture_output=True
        )
    shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.pgcluster", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    args = parser.parse_args()
    try:
        if args.action == "start":
            print(start(args.folder))
        else:
            stop(args.folder)
    except ClusterUnavailable as problem:
        print(f"pgcluster: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`cspr-bot`: serve Slack, run the time-driven work, run the schema migrations."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

from sqlalchemy.exc import DBAPIError

from bot import partnership as partnership_file
from bot.clock import SystemClock
from bot.clock_skew import ClockSkew
from bot.clockwork.tick import Clockwork
from bot.delivery.slack_api import make_client
from bot.learning import files
from bot.outcomes import Done, Refused
from bot.partnership import PartnershipFileError
from bot.reporting import period, timeline
from bot.review.stages import is_case_ref
from bot.runner import CommandFailed, Runner, open_database
from bot.services import Services
from bot.settings import SettingError, Settings
from bot.usecases import exports, library, reports
from bot.usecases.retention import FREE_TEXT
from storage import audit_chain, repositories


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args) or 0)
    except (SettingError, CommandFailed) as exc:
        for line in str(exc).splitlines():
            print(f"cspr-bot: {line}", file=sys.stderr)
        return exc.exit_status if isinstance(exc, CommandFailed) else 2
    except PartnershipFileError as exc:
        for problem in exc.problems:
            print(f"cspr-bot: {exc.source}: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


class _Parser(argparse.ArgumentParser):
    """A mistake on the command line is one line, like every other mistake."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cspr-bot", description="Rapid reviews and case reviews, run in Slack.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="answer Slack (HTTP on /slack/events, or Socket Mode)")
    serve.add_argument("--port", type=int, help="3000 for Slack, 3978 for Teams")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--no-scheduler", action="store_true", help="do not run time-driven work in this process")
    serve.add_argument("--socket", action="store_true", help="use Socket Mode with SLACK_APP_TOKEN instead of HTTP")
    serve.add_argument(
        "--platform",
        choices=("slack", "teams"),
        default="slack",
        help="teams: answer Microsoft Teams on /api/messages (port 3978 unless --port); needs the teams extra",
    )
    serve.set_defaults(run=_serve)

    demo = commands.add_parser("demo", help="play a whole rapid review with a stand-in Slack (needs no settings)")
    demo.add_argument("--json", type=_output_file, metavar="FILE", help="also write the transcript to FILE as JSON")
    demo.add_argument("--full", action="store_true", help="show every line of edited cards and forms")
    demo.add_argument(
        "--platform", choices=("slack", "teams"), default="slack", help="teams: the rapid review on a stand-in Teams"
    )
    demo.set_defaults(run=_demo)

    tick = commands.add_parser("tick", help="run one pass of everything due (reminders, digest, delivery) and exit")
    tick.add_argument(
        "--now", type=_moment, help="the instant to run at, like 2027-01-04T09:05:00+00:00 (default: now)"
    )
    tick.set_defaults(run=_tick)

    retention = commands.add_parser("retention", help="remove identifiable text from long-closed cases")
    retention.add_argument(
        "--older-than", type=_months, metavar="AGE", help="like 24m or 2y (default: the partnership file's)"
    )
    retention.add_argument("--dry-run", action="store_true", help="only list the cases it would change")
    retention.set_defaults(run=_retention)

    audit = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser("verify", help="recompute the hash chain and name the first altered entry")
    verify.set_defaults(run=_audit_verify)

    export = commands.add_parser("export", help="write a case's timeline from the audit trail")
    export.add_argument("case", type=_case_ref, help="the case reference, like 2026-004")
    export.add_argument("--format", choices=("md", "csv"), default="md")
    export.add_argument("--output", type=_output_file, metavar="FILE", help="write here instead of to standard output")
    export.add_argument(
        "--include-identifiers",
        action="store_true",
        help="also the child's identifier, the summary and every note typed (this use is audited)",
    )
    export.set_defaults(run=_export)

    report = commands.add_parser("report", help="write the yearly report on case reviews: its figures and charts")
    report.add_argument(
        "--from", dest="start", metavar="YYYY-MM-DD", help="the first day (default: this reporting year's)"
    )
    report.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="the last day, at most 5 years on")
    # Checked by the command rather than by argparse, so a mistake is one line, not a usage page.
    report.add_argument("--format", metavar="html|csv|json", help="html (one self-contained page), csv or json")
    report.add_argument("--output", type=_output_file, metavar="FILE", help="write here instead of to standard output")
    report.set_defaults(run=_report)

    library = commands.add_parser("library", help="the learning library of published reviews")
    library_commands = library.add_subparsers(dest="library_command", required=True)
    load = library_commands.add_parser("import", help="load published reviews from a CSV or YAML file")
    load.add_argument("file", type=Path)
    load.add_argument("--format", choices=("csv", "yaml"), help="default: from the file's extension")
    load.set_defaults(run=_library_import)
    dump = library_commands.add_parser("export", help="write the library out as CSV or YAML")
    dump.add_argument("--format", choices=("csv", "yaml"), default="csv")
    dump.add_argument("--output", type=_output_file, metavar="FILE", help="write here instead of to standard output")
    dump.set_defaults(run=_library_export)

    package = commands.add_parser("teams-manifest", help="build the Teams app package to upload to Teams")
    package.add_argument(
        "--out", type=_output_file, required=True, metavar="FILE", help="the zip to write, like app.zip"
    )
    package.add_argument(
        "--domain", required=True, help="where `cspr-bot serve --platform teams` answers, like cspr-bot.example.org"
    )
    package.set_defaults(run=_teams_manifest)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="run the migrations up to the newest schema")
    upgrade.set_defaults(run=_db_upgrade)
    return parser


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date and time like 2027-01-04T09:05:00+00:00") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} needs a time zone offset, like +00:00")
    return moment


def _case_ref(value: str) -> str:
    if not is_case_ref(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a case reference like 2026-004")
    return value


def _output_file(value: str) -> Path:
    """The type of every option naming a file a command writes: a path that cannot be written is
    refused before any work starts, not after it."""
    path = Path(value)
    folder = path.parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {value}: there is no folder {folder}")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {value}: it is a folder")
    if not os.access(path if path.exists() else folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"cannot write {value}: permission denied")
    return path


def _months(value: str) -> int:
    match = re.fullmatch(r"(\d+)([my])", value.strip().lower())
    if not match or int(match[1]) == 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not an age like 24m (months) or 2y (years)")
    return int(match[1]) * (12 if match[2] == "y" else 1)


@contextmanager
def _services(settings: Settings) -> Iterator[Services]:
    """The bot's parts for a one-off command that does not serve requests, on the partnership's platform."""
    partnership = partnership_file.load(settings.config_path)
    if partnership.platform == "teams":
        from bot.platforms.teams.runner import services_on_teams

        services = services_on_teams(settings, partnership, SystemClock(), upgrade=False)
    else:
        services = Services.assemble(
            partnership, open_database(settings), SystemClock(), make_client(settings, ClockSkew())
        )
    try:
        yield services
    finally:
        services.database.dispose()


def _actor() -> str:
    """Who ran a command, for the audit trail."""
    try:
        return f"cli:{getpass.getuser()}"[:32]
    except (OSError, KeyError):  # no login name in the environment or the password database
        return "cli"


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    print(f"cspr-bot: written to {output}", file=sys.stderr)


REPORT_FORMATS = ("html", "csv", "json")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandFailed(f"{option} {value!r} is not a date like 2026-04-01") from None


def _report(args: argparse.Namespace) -> int:
    if args.format not in REPORT_FORMATS:
        given = "no --format" if args.format is None else f"--format {args.format!r}"
        raise CommandFailed(f"{given}: give --format html, csv or json")
    if (args.start is None) != (args.end is None):
        raise CommandFailed("give both --from and --to, or neither for this reporting year")
    start = end = None
    if args.start is not None:
        start, end = _day(args.start, "--from"), _day(args.end, "--to")
        if problem := period.problem(start, end):
            raise CommandFailed(problem)
    with _services(Settings.from_env()) as services:
        outcome = services.desk.run(SystemClock().now(), reports.yearly, _actor(), start=start, end=end)
    assert isinstance(outcome, Done)
    # Only here: the charts' matplotlib takes a while to load, and no other command needs it.
    from bot.reporting import formats

    write = {"html": formats.as_html, "csv": formats.as_csv, "json": formats.as_json}[args.format]
    _write(write(outcome.data["report"]), args.output)
    return 0


def _export(args: argparse.Namespace) -> int:
    with _services(Settings.from_env()) as services:
        outcome = services.desk.run(
            SystemClock().now(),
            exports.case_timeline,
            _actor(),
            ref=args.case,
            include_identifiers=args.include_identifiers,
        )
        if isinstance(outcome, Refused):
            raise CommandFailed(outcome.reason)
        assert isinstance(outcome, Done)
        ref, found = outcome.data["ref"], outcome.data["steps"]
        identifiers = args.include_identifiers
        if args.format == "csv":
            text = timeline.as_csv(found, include_identifiers=identifiers)
        else:
            text = timeline.as_markdown(found, ref, services.partnership, include_identifiers=identifiers)
    _write(text, args.output)
    return 0


def _library_import(args: argparse.Namespace) -> int:
    file_format = args.format or ("yaml" if args.file.suffix.lower() in (".yaml", ".yml") else "csv")
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandFailed(f"cannot read {args.file}: {getattr(exc, 'strerror', None) or 'not UTF-8 text'}") from None
    with _services(Settings.from_env()) as services:
        today = SystemClock().now().astimezone(services.partnership.timezone).date()
        try:
            reviews = files.read(text, file_format, today)
        except files.LibraryFileError as exc:
            for problem in exc.problems:
                print(f"cspr-bot: {args.file}: {problem}", file=sys.stderr)
            print(f"cspr-bot: nothing was loaded from {args.file}", file=sys.stderr)
            return 2
        outcome = services.desk.run(SystemClock().now(), library.load, _actor(), reviews=reviews, source=str(args.file))
    assert isinstance(outcome, Done)
    counts = outcome.data
    print(
        f"cspr-bot: {args.file}: {counts['added']} added, {counts['updated']} updated, "
        f"{counts['unchanged']} already in the library"
    )
    return 0


def _library_export(args: argparse.Namespace) -> int:
    with _services(Settings.from_env()) as services:
        outcome = services.desk.run(SystemClock().now(), library.everything, _actor())
    assert isinstance(outcome, Done)
    _write(files.write(outcome.data["reviews"], args.format), args.output)
    return 0


def _teams_manifest(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings.require("TEAMS_APP_ID")
    domain = args.domain.strip().lower()
    if not re.fullmatch(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", domain):
        raise CommandFailed(
            f"--domain {args.domain!r} is not a host name like cspr-bot.example.org (no https://, no path)"
        )
    partnership = partnership_file.load(settings.config_path)
    from bot.platforms.teams.manifest import write_package

    assert settings.teams.app_id is not None
    write_package(args.out, settings.teams.app_id, domain, partnership.name)
    print(f"cspr-bot: wrote the Teams app package {args.out}: upload it in the Teams admin center (Manage apps)")
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    open_database(settings, upgrade=True).dispose()
    print("cspr-bot: the database schema is up to date")
    return 0


def _demo(args: argparse.Namespace) -> int:
    if args.platform == "teams":
        try:
            from bot.demo import teams_tour
        except ImportError:
            raise CommandFailed("the Teams demo needs the teams extra: pip install 'cspr-bot[teams]'") from None
        teams_tour.run(args.json, full=args.full)
        return 0
    from bot.demo import tour

    tour.run(args.json, full=args.full)
    return 0


def _retention(args: argparse.Namespace) -> int:
    with _services(Settings.from_env()) as services:
        months = args.older_than or services.partnership.retention.older_than_months
        clockwork = Clockwork(services)
        if args.dry_run:
            changed = clockwork.retention_due(SystemClock().now(), months)
        else:
            changed = clockwork.retention(SystemClock().now(), months)
    if changed:
        fields = ", ".join(FREE_TEXT)
        done = "would remove" if args.dry_run else "removed"
        print(
            f"cspr-bot: {done} {fields} from {len(changed)} case(s) closed over {months} months ago: {', '.join(changed)}"
        )
    else:
        print(f"cspr-bot: no closed case over {months} months old still holds identifiable text")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    database = open_database(settings)
    try:
        with database.transaction() as session:
            report = audit_chain.verify(repositories.audit_trail(session))
    finally:
        database.dispose()
    if report.intact:
        print(f"cspr-bot: the audit trail is intact ({report.entries} entries)")
        return 0
    print(f"cspr-bot: the audit trail has been tampered with: {report.problem}", file=sys.stderr)
    return 1


def _tick(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if partnership_file.load(settings.config_path).platform == "slack":
        settings.require("SLACK_BOT_TOKEN")  # Teams' settings are checked as its parts are made
    try:
        with _services(settings) as services:
            report = Clockwork(services).tick(args.now or SystemClock().now())
    except DBAPIError as exc:
        raise CommandFailed(
            f"the database stopped answering during the tick ({type(exc.orig).__name__}); nothing is lost, run it again"
        ) from None
    print(f"cspr-bot: tick claimed {report.claimed} and delivered {report.delivered}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.platform == "teams":
        return _serve_teams(args, settings)
    settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN" if args.socket else "SLACK_SIGNING_SECRET")
    partnership = partnership_file.load(settings.config_path)
    if partnership.platform != "slack":
        raise CommandFailed("the partnership file says `platform: teams`: serve it with --platform teams")
    runner = Runner(settings, partnership, host=args.host, port=args.port or 3000, socket_mode=args.socket).prepare()
    try:
        if not args.socket:
            runner.start_http()  # /healthz answers while Slack is still out of reach
        runner.wait_for_slack()
        if not args.no_scheduler:
            runner.start_scheduler()
        if args.socket:
            runner.start_socket()
        runner.wait()
    finally:
        runner.stop()
    return 0


def _serve_teams(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from bot.platforms.teams.runner import TeamsRunner
    except ImportError:
        raise CommandFailed("Teams needs the teams extra: pip install 'cspr-bot[teams]'") from None
    if args.socket:
        raise CommandFailed("--socket is Slack's Socket Mode; Teams is served over HTTP only")
    runner = TeamsRunner(settings, partnership_file.load(settings.config_path), host=args.host, port=args.port or 3978)
    runner.prepare()
    try:
        runner.start_http()  # /healthz answers while Microsoft is still out of reach
        runner.wait_for_microsoft()
        if not args.no_scheduler:
            runner.start_scheduler()
        runner.wait()
    finally:
        runner.stop()
    return 0

"""The partnership file: who is who, which agencies take part, local closure days.

Validated in full before the bot starts: every problem is listed with its line and key, so an
administrator fixes the file in one pass instead of one error per restart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TEAMS_CHANNEL_ID = re.compile(r"^19:[A-Za-z0-9_-]{1,80}@thread\.(tacv2|skype)$")
PLATFORMS = ("slack", "teams")
AGENCY_KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
# Slack channel names: lowercase letters, digits, hyphens; room left for "-2026-004-2".
CHANNEL_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]{0,20}$")
CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
PARTNER_ROLES = ("local_authority", "icb", "police")
PARTNER_NAMES = {"local_authority": "Local authority", "icb": "Integrated Care Board", "police": "Police"}


class PartnershipFileError(Exception):
    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class Agency:
    key: str
    name: str
    leads: tuple[str, ...]


@dataclass(frozen=True)
class Reminders:
    days_left: tuple[int, ...] = (10, 5, 3, 2, 1, 0)
    at: time = time(9, 0)
    dm_from_days_left: int = 3


@dataclass(frozen=True)
class Retention:
    older_than_months: int = 24  # identifiable free text of cases closed longer ago is removed
    at: time = time(2, 0)  # when the daily retention job runs


@dataclass(frozen=True)
class Identities:
    """How a platform names people and channels, for checking the partnership file."""

    user: re.Pattern[str]
    person: str  # what a person's id is called, and an example of one
    person_example: str
    channel: re.Pattern[str]
    channel_example: str


IDENTITIES = {
    "slack": Identities(USER_ID, "Slack user ID", "U0123ABCD", CHANNEL_ID, "a Slack channel ID (like C0123ABCD)"),
    "teams": Identities(
        GUID,
        "Entra object ID",
        "6f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
        TEAMS_CHANNEL_ID,
        "a Teams channel ID (like 19:abc123@thread.tacv2)",
    ),
}
CASE_SPACES = ("group_chat", "private_channel")


@dataclass(frozen=True)
class TeamsSettings:
    tenant_id: str
    pprg_team: str  # the team whose channel is the PPRG channel
    case_space: str = "group_chat"  # a group chat per case, or a private channel in `case_space_team`
    case_space_team: str | None = None


@dataclass(frozen=True)
class Reporting:
    year_starts: tuple[int, int] = (4, 1)  # (month, day): the partnership's reporting year
    suppress_below: int = 5  # counts of children by a personal characteristic below this are not shown


@dataclass(frozen=True)
class Partnership:
    name: str
    timezone: ZoneInfo
    pprg_channel: str
    channel_prefix: str
    chairs: tuple[str, ...]
    business_managers: tuple[str, ...]
    agencies: tuple[Agency, ...]
    partners: dict[str, str] = field(default_factory=dict)  # role -> delegate user id
    closure_days: frozenset[date] = frozenset()
    reminders: Reminders = Reminders()
    digest_at: time = time(8, 30)
    retention: Retention = Retention()
    # Where published briefings are announced besides the PPRG channel (optional).
    learning_channel: str | None = None
    # Working days the Panel and the Secretary of State must have a final report before publication.
    publication_notice_working_days: int = 7
    # Read-only: figures, stages and dates, never a case channel or free text about a child.
    scrutineers: tuple[str, ...] = ()
    report: Reporting = Reporting()
    platform: str = "slack"  # where the partnership works: slack | teams
    teams: TeamsSettings | None = None  # for a partnership on Teams

    def agency(self, key: str) -> Agency | None:
        return next((a for a in self.agencies if a.key == key), None)

    def agency_name(self, key: str) -> str:
        agency = self.agency(key)
        return agency.name if agency else key

    def everyone(self) -> frozenset[str]:
        """Everyone named in the file, scrutineers included."""
        return self.case_people() | set(self.scrutineers)

    def case_people(self) -> frozenset[str]:
        """Everyone who may be in a case channel: every role but the scrutineers'."""
        people = set(self.chairs) | set(self.business_managers) | set(self.partners.values())
        for agency in self.agencies:
            people.update(agency.leads)
        return frozenset(people)


def load(path: Path) -> Partnership:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PartnershipFileError(
            source, [f"cannot read the file ({exc.strerror}); set CSPR_CONFIG to its path"]
        ) from None
    except UnicodeDecodeError as exc:
        raise PartnershipFileError(source, [f"byte {exc.start} is not UTF-8 text; save the file as UTF-8"]) from None
    return parse(text, source)


MAX_FILE_CHARACTERS = 1_000_000
MAX_NESTING = 20


def parse(text: str, source: str = "partnership.yaml") -> Partnership:
    if len(text) > MAX_FILE_CHARACTERS:
        raise PartnershipFileError(source, [f"the file is larger than {MAX_FILE_CHARACTERS} characters"])
    try:
        _refuse_hostile_structure(text, source)
        loader = yaml.SafeLoader(text)
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PartnershipFileError(source, [f"{where}not valid YAML ({_printable(str(problem))})"]) from None
    reader = _Reader(loader)
    try:
        partnership = reader.partnership(root)
    finally:
        loader.dispose()
    if reader.problems:
        raise PartnershipFileError(source, reader.problems)
    assert partnership is not None
    return partnership


def _refuse_hostile_structure(text: str, source: str) -> None:
    """Anchors and aliases are never needed here and can multiply a small file into a huge one
    ("billion laughs"); deep nesting is never needed either and can exhaust the parser's stack."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            where = event.start_mark.line + 1
            raise PartnershipFileError(source, [f"line {where}: anchors and aliases (*name) are not allowed"])
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                where = event.start_mark.line + 1
                raise PartnershipFileError(source, [f"line {where}: nested more than {MAX_NESTING} levels deep"])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _article(noun: str) -> str:
    return "an" if noun[0] in "AEIOU" else "a"


def _printable(text: str) -> str:
    """Text from the file, safe to print on one line: control characters shown escaped."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class _Reader:
    """Walks the YAML node tree so that every problem can name its line."""

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self._loader = loader
        self.problems: list[str] = []
        self.ids = IDENTITIES["slack"]

    def problem(self, node: yaml.Node | None, key: str, message: str) -> None:
        line = f"line {node.start_mark.line + 1}, " if node is not None else ""
        self.problems.append(f"{line}{key or '(top level)'}: {_printable(message)}")

    def mapping(self, node: yaml.Node, key: str, known: dict[str, bool]) -> dict[str, yaml.Node]:
        """Children by key; `known` maps each allowed key to whether it is required."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, key, "should be a mapping of keys to values")
            return {}
        children: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            name = (
                _printable(str(key_node.value)) if isinstance(key_node, yaml.ScalarNode) else "(a key that is not text)"
            )
            path = f"{key}.{name}" if key else name
            if name in children:
                self.problem(key_node, path, "appears twice")
            elif name not in known:
                self.problem(key_node, path, f"unknown key (expected one of: {', '.join(known)})")
            else:
                children[name] = value_node
        for name, required in known.items():
            if required and name not in children:
                self.problem(node, f"{key}.{name}" if key else name, "is required")
        return children

    def value(self, node: yaml.Node) -> Any:
        """The node's Python value, or None when YAML cannot build one (such as 2026-13-01)."""
        try:
            return self._loader.construct_object(node, deep=True)
        except (ValueError, yaml.YAMLError):
            return None

    def text(
        self, node: yaml.Node | None, key: str, pattern: re.Pattern[str] | None = None, hint: str = ""
    ) -> str | None:
        if node is None:
            return None
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or not value.strip():
            self.problem(node, key, "should be a non-empty text value")
            return None
        if pattern and not pattern.match(value):
            self.problem(node, key, f"{value!r} {hint}")
            return None
        return value.strip()

    def user(self, node: yaml.Node, key: str) -> str | None:
        ids = self.ids
        return self.text(node, key, ids.user, f"is not {_article(ids.person)} {ids.person} (like {ids.person_example})")

    def channel(self, node: yaml.Node | None, key: str) -> str | None:
        return self.text(node, key, self.ids.channel, f"is not {self.ids.channel_example}")

    def users(self, node: yaml.Node | None, key: str, *, required: bool) -> tuple[str, ...]:
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, key, f"should be a list of {self.ids.person}s, like [{self.ids.person_example}]")
            return ()
        users = []
        for i, item in enumerate(node.value):
            user = self.user(item, f"{key}[{i}]")
            if user in users:
                self.problem(item, f"{key}[{i}]", f"{user} is listed twice")
            elif user:
                users.append(user)
        if required and not node.value:
            self.problem(node, key, f"needs at least one {self.ids.person}")
        return tuple(users)

    def platform(self, node: yaml.Node | None) -> str:
        if node is None:
            return "slack"
        value = self.text(node, "platform")
        if value not in PLATFORMS:
            self.problem(node, "platform", f"{value!r} is not one of {', '.join(PLATFORMS)}")
            return "slack"
        return value

    def teams(self, node: yaml.Node | None) -> TeamsSettings | None:
        if node is None:
            self.problem(None, "teams", "is required on Teams: tenant_id and pprg_team")
            return None
        fields = self.mapping(
            node, "teams", {"tenant_id": True, "pprg_team": True, "case_space": False, "case_space_team": False}
        )
        hint = "is not an Entra ID (like 6f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c)"
        tenant = self.text(fields.get("tenant_id"), "teams.tenant_id", GUID, hint)
        pprg_team = self.text(fields.get("pprg_team"), "teams.pprg_team", GUID, hint)
        space = "group_chat"
        if "case_space" in fields:
            space = self.text(fields["case_space"], "teams.case_space") or space
            if space not in CASE_SPACES:
                self.problem(
                    fields["case_space"], "teams.case_space", f"{space!r} is not one of {', '.join(CASE_SPACES)}"
                )
        space_team = None
        if "case_space_team" in fields:
            space_team = self.text(fields["case_space_team"], "teams.case_space_team", GUID, hint)
        if space == "private_channel" and space_team is None and "case_space_team" not in fields:
            self.problem(node, "teams.case_space_team", "is required for private channels: the team to make them in")
        if tenant is None or pprg_team is None:
            return None
        return TeamsSettings(tenant_id=tenant, pprg_team=pprg_team, case_space=space, case_space_team=space_team)

    def clock_time(self, node: yaml.Node | None, key: str, default: time) -> time:
        if node is None:
            return default
        # Read the raw scalar: YAML 1.1 turns an unquoted 09:00 into the number 540.
        raw = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
        match = CLOCK_TIME.match(raw)
        if not match:
            self.problem(node, key, f'{raw!r} is not a 24-hour time like "09:00"')
            return default
        return time(int(match[1]), int(match[2]))

    def partnership(self, root: yaml.Node | None) -> Partnership | None:
        if root is None:
            self.problem(None, "partnership", "the file is empty")
            return None
        top = self.mapping(
            root,
            "",
            {
                "partnership": True,
                "timezone": False,
                "pprg_channel": True,
                "channel_prefix": False,
                "chairs": True,
                "business_managers": False,
                "safeguarding_partners": False,
                "extra_closure_days": False,
                "agencies": True,
                "reminders": False,
                "digest": False,
                "retention": False,
                "learning_channel": False,
                "publication_notice_working_days": False,
                "scrutineers": False,
                "report": False,
                "platform": False,
                "teams": False,
            },
        )
        platform = self.platform(top.get("platform"))
        self.ids = IDENTITIES[platform]
        teams = self.teams(top.get("teams")) if platform == "teams" else None
        if platform == "slack" and "teams" in top:
            self.problem(top["teams"], "teams", "is only for a partnership on Teams (platform: teams)")
        name = self.text(top.get("partnership"), "partnership")
        zone = self.timezone(top.get("timezone"))
        pprg = self.channel(top.get("pprg_channel"), "pprg_channel")
        prefix = "rr"
        if "channel_prefix" in top:
            prefix = (
                self.text(
                    top["channel_prefix"],
                    "channel_prefix",
                    CHANNEL_PREFIX,
                    "must be lowercase letters, digits and hyphens, at most 21 characters",
                )
                or prefix
            )
        chairs = self.users(top.get("chairs"), "chairs", required=True)
        managers = self.users(top.get("business_managers"), "business_managers", required=False)
        partners = self.partners(top.get("safeguarding_partners"))
        closures = self.closure_days(top.get("extra_closure_days"))
        agencies = self.agencies(top.get("agencies"))
        reminders = self.reminders(top.get("reminders"))
        digest_at = time(8, 30)
        if "digest" in top:
            digest = self.mapping(top["digest"], "digest", {"time": False})
            digest_at = self.clock_time(digest.get("time"), "digest.time", digest_at)
        retention = self.retention(top.get("retention"))
        learning = None
        if "learning_channel" in top:
            learning = self.channel(top["learning_channel"], "learning_channel")
        notice = self.whole_number(
            top.get("publication_notice_working_days"), "publication_notice_working_days", 7, 0, 60
        )
        scrutineers = self.users(top.get("scrutineers"), "scrutineers", required=False)
        report = self.reporting(top.get("report"))
        if self.problems or name is None or pprg is None:
            return None
        return Partnership(
            name=name,
            timezone=zone,
            pprg_channel=pprg,
            channel_prefix=prefix,
            chairs=chairs,
            business_managers=managers,
            agencies=agencies,
            partners=partners,
            closure_days=closures,
            reminders=reminders,
            digest_at=digest_at,
            retention=retention,
            learning_channel=learning,
            publication_notice_working_days=notice,
            scrutineers=scrutineers,
            report=report,
            platform=platform,
            teams=teams,
        )

    def timezone(self, node: yaml.Node | None) -> ZoneInfo:
        zone_name = self.text(node, "timezone") if node is not None else "Europe/London"
        try:
            return ZoneInfo(zone_name or "Europe/London")
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(node, "timezone", f"{zone_name!r} is not a time zone name like Europe/London")
            return ZoneInfo("Europe/London")

    def partners(self, node: yaml.Node | None) -> dict[str, str]:
        if node is None:
            return {}
        children = self.mapping(node, "safeguarding_partners", {role: True for role in PARTNER_ROLES})
        partners = {}
        for role, child in children.items():
            user = self.user(child, f"safeguarding_partners.{role}")
            if user:
                partners[role] = user
        return partners

    def closure_days(self, node: yaml.Node | None) -> frozenset[date]:
        if node is None:
            return frozenset()
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, "extra_closure_days", "should be a list of dates like [2026-12-24]")
            return frozenset()
        days = set()
        for i, item in enumerate(node.value):
            value = self.value(item) if isinstance(item, yaml.ScalarNode) else None
            if type(value) is date:
                days.add(value)
            else:
                self.problem(
                    item, f"extra_closure_days[{i}]", f"{getattr(item, 'value', '')!r} is not a date like 2026-12-24"
                )
        return frozenset(days)

    def agencies(self, node: yaml.Node | None) -> tuple[Agency, ...]:
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.problem(node, "agencies", "should be a non-empty list of {key, name, leads}")
            return ()
        agencies: list[Agency] = []
        for i, item in enumerate(node.value):
            path = f"agencies[{i}]"
            fields = self.mapping(item, path, {"key": True, "name": True, "leads": True})
            key = self.text(
                fields.get("key"),
                f"{path}.key",
                AGENCY_KEY,
                "must be lowercase letters, digits and underscores, like csc",
            )
            name = self.text(fields.get("name"), f"{path}.name")
            leads = self.users(fields.get("leads"), f"{path}.leads", required=True)
            if key and any(a.key == key for a in agencies):
                self.problem(fields["key"], f"{path}.key", f"agency key {key!r} is used twice")
            elif key and name and leads:
                agencies.append(Agency(key=key, name=name, leads=leads))
        return tuple(agencies)

    def whole_number(self, node: yaml.Node | None, key: str, default: int, low: int, high: int, hint: str = "") -> int:
        if node is None:
            return default
        value = self.value(node)
        if type(value) is not int or not low <= value <= high:
            self.problem(node, key, hint or f"should be a whole number from {low} to {high}")
            return default
        return value

    def reporting(self, node: yaml.Node | None) -> Reporting:
        defaults = Reporting()
        if node is None:
            return defaults
        fields = self.mapping(node, "report", {"year_starts": False, "suppress_below": False})
        starts = defaults.year_starts
        if "year_starts" in fields:
            raw = str(fields["year_starts"].value) if isinstance(fields["year_starts"], yaml.ScalarNode) else ""
            match = re.fullmatch(r"(\d{2})-(\d{2})", raw)
            try:
                date(2001, int(match[1]), int(match[2])) if match else None
            except ValueError:
                match = None
            if match:
                starts = (int(match[1]), int(match[2]))
            else:
                self.problem(
                    fields["year_starts"], "report.year_starts", f'{raw!r} is not a month and day like "04-01"'
                )
        suppress = self.whole_number(
            fields.get("suppress_below"), "report.suppress_below", defaults.suppress_below, 1, 100
        )
        return Reporting(year_starts=starts, suppress_below=suppress)

    def retention(self, node: yaml.Node | None) -> Retention:
        defaults = Retention()
        if node is None:
            return defaults
        fields = self.mapping(node, "retention", {"older_than_months": False, "time": False})
        months = self.whole_number(
            fields.get("older_than_months"),
            "retention.older_than_months",
            defaults.older_than_months,
            1,
            1200,
            "should be a whole number of months, like 24",
        )
        return Retention(
            older_than_months=months, at=self.clock_time(fields.get("time"), "retention.time", defaults.at)
        )

    def reminders(self, node: yaml.Node | None) -> Reminders:
        if node is None:
            return Reminders()
        fields = self.mapping(node, "reminders", {"days_left": False, "time": False, "dm_from_days_left": False})
        defaults = Reminders()
        days_left = defaults.days_left
        days_node = fields.get("days_left")
        if days_node is not None:
            value = self.value(days_node)
            if (
                not isinstance(value, list)
                or not value
                or not all(type(v) is int and 0 <= v <= 15 for v in value)
                or len(set(value)) != len(value)
            ):
                self.problem(
                    days_node,
                    "reminders.days_left",
                    "should be a list of distinct whole numbers from 0 to 15, like [10, 5, 3, 2, 1, 0]",
                )
            else:
                days_left = tuple(sorted(value, reverse=True))
        dm_from = self.whole_number(
            fields.get("dm_from_days_left"), "reminders.dm_from_days_left", defaults.dm_from_days_left, 0, 15
        )
        return Reminders(
            days_left=days_left,
            at=self.clock_time(fields.get("time"), "reminders.time", defaults.at),
            dm_from_days_left=dm_from,
        )

"""A case's timeline from the audit trail: every dated step, who took it and when, for the
Panel, an inspection or the partnership's records. Pure: audit entries and the case in, rows and
files out. Free text (the child's identifier, the summary, reasons, comments, notes) is left out
unless it is asked for."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.learning.entries import MATERIALS
from bot.partnership import PARTNER_NAMES, Partnership
from bot.review import panel
from bot.review.local_review import MILESTONES, PUBLICATION_DECISIONS
from bot.review.permissions import roles_of
from bot.review.stages import OUTCOMES
from bot.work import BOT
from messages.wording import day
from storage.models import AuditEvent, Case

COLUMNS = ("date", "time", "step", "by", "role", "detail")
NOTE = "note"


@dataclass(frozen=True)
class Step:
    date: str
    time: str
    step: str
    by: str
    role: str
    detail: str
    note: str = ""  # free text, only with identifiers


def _on(value: str | None) -> str:
    return day(date.fromisoformat(value)) if value else ""


def _describe(entry: AuditEvent, partnership: Partnership) -> tuple[str, str] | None:
    """(step, detail) for an entry that belongs in a timeline, or None (reminders queued, ...)."""
    d: dict[str, Any] = entry.detail
    agency = partnership.agency_name(str(d.get("agency", "")))
    steps: dict[str, Callable[[], tuple[str, str]]] = {
        "referred": lambda: (
            "Referred",
            "agencies involved: " + ", ".join(map(partnership.agency_name, d.get("agencies", []))),
        ),
        "information_requested": lambda: ("More information asked of the referrer", ""),
        "criteria_not_met": lambda: ("Criteria not met", "closed as local learning"),
        "review_started": lambda: (
            "Rapid review started",
            f"notification sent to the Panel on {_on(d.get('notified_on'))}",
        ),
        "channel_created": lambda: ("Private case channel made", ""),
        "channel_failed": lambda: ("Slack refused the private case channel", str(d.get("error", ""))),
        "agency_added": lambda: ("Agency added", agency),
        "signed_off": lambda: ("Signed off", agency),
        "recommended": lambda: ("PPRG recommendation", OUTCOMES.get(str(d.get("outcome")), "")),
        "endorsed": lambda: ("Endorsed", PARTNER_NAMES.get(str(d.get("partner")), "")),
        "decision_final": lambda: ("Decision final", OUTCOMES.get(str(d.get("outcome")), "")),
        "sent_to_panel": lambda: ("Rapid review sent to the Panel", _on(d.get("sent_on"))),
        "panel_answered": lambda: (
            "The Panel's answer",
            f"{panel.ANSWERS.get(str(d.get('answer')), '')} ({_on(d.get('answered_on'))})",
        ),
        "local_review_started": lambda: (
            "Local CSPR started",
            f"decided {_on(d.get('decided_on'))}, to be published by {_on(d.get('target'))}",
        ),
        "milestone_recorded": lambda: (
            MILESTONES.get(str(d.get("milestone")), "Milestone"),
            _on(d.get("on")) + (" (date corrected)" if d.get("corrected") else ""),
        ),
        "publication_decided": lambda: (PUBLICATION_DECISIONS.get(str(d.get("decision")), "Publication decided"), ""),
        "published": lambda: (
            "Published material attached",
            ", ".join(MATERIALS.get(m, m) for m in d.get("materials", [])),
        ),
        "publication_corrected": lambda: (
            "Published material corrected",
            ", ".join(MATERIALS.get(m, m) for m in d.get("materials", [])),
        ),
        "closed": lambda: ("Case closed", ""),
        "case_channel_archived": lambda: ("Case channel archived", ""),
        "channel_archived": lambda: ("Case channel archived in Slack by someone", ""),
        "stranger_joined": lambda: ("Someone not in the partnership file joined the case channel", ""),
        "retention_applied": lambda: ("Identifiable text removed under the retention policy", ""),
        "timeline_exported": lambda: ("Timeline exported with the child's identifier", ""),
    }
    describe = steps.get(entry.action)
    return describe() if describe else None


def _notes(case: Case) -> dict[tuple[str, str], str]:
    """The free text typed at each step, keyed by (action, what it was about)."""
    removed = "(removed under the retention policy)"
    notes = {
        ("referred", ""): f"Child: {case.child_identifier or removed}. Summary: {case.summary or removed}",
        ("criteria_not_met", ""): case.closure_note or "",
        ("closed", ""): case.closure_note or "",
    }
    for signoff in case.signoffs:
        notes[("signed_off", signoff.agency_key)] = signoff.comment or ""
    for request in case.info_requests:
        notes[("information_requested", str(request.id))] = request.question or ""
    if case.decision is not None:
        notes[("recommended", "")] = case.decision.rationale or ""
    if case.panel_answer is not None:
        notes[("panel_answered", "")] = case.panel_answer.note or ""
    if case.local_review is not None:
        notes[("publication_decided", "")] = case.local_review.publication_reasons or ""
    return notes


def steps(
    entries: Iterable[AuditEvent], case: Case, partnership: Partnership, *, include_identifiers: bool
) -> list[Step]:
    notes = _notes(case) if include_identifiers else {}
    found = []
    for entry in entries:
        described = _describe(entry, partnership)
        if described is None:
            continue
        local = entry.at.astimezone(partnership.timezone)
        about = str(entry.detail.get("agency") or entry.detail.get("request") or "")
        found.append(
            Step(
                date=local.date().isoformat(),
                time=f"{local:%H:%M}",
                step=described[0],
                by=entry.actor,
                role=role_of(entry.actor, partnership),
                detail=described[1],
                note=notes.get((entry.action, about), ""),
            )
        )
    return found


def role_of(user: str, partnership: Partnership) -> str:
    if user == BOT:
        return "the bot"
    return "; ".join(roles_of(user, partnership)) or "not in the partnership file"


def as_csv(found: list[Step], *, include_identifiers: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, NOTE] if include_identifiers else COLUMNS)
    for step in found:
        row = [step.date, step.time, step.step, step.by, step.role, step.detail]
        writer.writerow([*row, step.note] if include_identifiers else row)
    return out.getvalue()


def as_markdown(found: list[Step], ref: str, partnership: Partnership, *, include_identifiers: bool) -> str:
    lines = [
        f"# Case {ref}: timeline",
        "",
        f"{partnership.name}. From the audit trail; times are {partnership.timezone.key}.",
        "",
    ]
    header = [*COLUMNS, NOTE] if include_identifiers else list(COLUMNS)
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for step in found:
        cells = [step.date, step.time, step.step, step.by, step.role, step.detail]
        if include_identifiers:
            cells.append(step.note)
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """One line of a Markdown table cell: pipes escaped, line breaks as spaces."""
    return " ".join(text.split()).replace("|", "\\|")

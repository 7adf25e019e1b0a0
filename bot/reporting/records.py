"""What a report is computed from: plain records of references, dates, stages, agencies and codes.
They have no field for a child's identifier, a summary or anything typed, so no figure can carry one.
Moments become dates in the partnership's time zone here, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from messages.wording import published_label


@dataclass(frozen=True)
class SignOffRecord:
    agency: str
    signed_on: date


@dataclass(frozen=True)
class CaseRecord:
    ref: str
    referred_on: date
    age_band: str
    harm: str
    abuse_types: tuple[str, ...]
    aware_on: date
    notified_on: date | None = None  # the notification sent to the Panel: the rapid review's day 0
    sent_on: date | None = None  # the rapid review sent to the Panel
    closed_on: date | None = None
    closed_reason: str | None = None
    outcome: str | None = None
    decided_on: date | None = None  # the decision became final
    panel_answer: str | None = None
    panel_answered_on: date | None = None
    review_decided_on: date | None = None  # a local CSPR: its 6 months count from here
    publication_decided_on: date | None = None  # a decision not to publish it in full
    published_on: date | None = None
    signoffs: tuple[SignOffRecord, ...] = ()


@dataclass(frozen=True)
class Review:
    """Where recommendations come from: a case here, or a national review in the library."""

    key: str  # the case reference, or "national-<library entry>"
    label: str
    national: bool = False


@dataclass(frozen=True)
class ActionRecord:
    review: Review
    agency: str
    created_on: date
    due_on: date
    # (day, "completed" | "reopened") in order: an owner's completion can be reopened, a sign-off cannot.
    completions: tuple[tuple[date, str], ...] = ()
    signed_off_on: date | None = None


@dataclass(frozen=True)
class RecommendationRecord:
    review: Review
    created_on: date


@dataclass(frozen=True)
class LibraryRecord:
    review_type: str
    published: str | None  # YYYY, YYYY-MM or YYYY-MM-DD
    themes: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class Records:
    cases: tuple[CaseRecord, ...] = ()
    actions: tuple[ActionRecord, ...] = ()
    recommendations: tuple[RecommendationRecord, ...] = ()
    library: tuple[LibraryRecord, ...] = ()


def _day(moment: datetime | None, zone: ZoneInfo) -> date | None:
    return moment.astimezone(zone).date() if moment is not None else None


def review(ref: str | None, entry_id: int | None, entry_published: str | None) -> Review:
    if ref is not None:
        return Review(ref, ref)
    return Review(f"national-{entry_id}", f"National review ({published_label(entry_published)})", national=True)


def from_rows(rows: dict[str, list[Any]], zone: ZoneInfo) -> Records:
    """Records from the rows of `storage.repositories.report_rows`."""
    signed: dict[int, list[SignOffRecord]] = {}
    for row in rows["signoffs"]:
        signed.setdefault(row.case_id, []).append(SignOffRecord(row.agency_key, _day(row.signed_at, zone)))
    completions: dict[int, list[tuple[date, str]]] = {}
    for row in rows["updates"]:
        completions.setdefault(row.action_id, []).append((_day(row.at, zone), row.kind))
    return Records(
        cases=tuple(
            CaseRecord(
                ref=row.ref,
                referred_on=_day(row.referred_at, zone),
                age_band=row.age_band,
                harm=row.harm,
                abuse_types=tuple(row.abuse_types),
                aware_on=row.aware_on,
                notified_on=row.notified_on,
                sent_on=row.sent_to_panel_on,
                closed_on=_day(row.closed_at, zone),
                closed_reason=row.closed_reason,
                outcome=row.outcome,
                decided_on=_day(row.final_at, zone),
                panel_answer=row.panel_answer,
                panel_answered_on=row.answered_on,
                review_decided_on=row.review_decided_on,
                publication_decided_on=_day(row.publication_decided_at, zone),
                published_on=row.published_on,
                signoffs=tuple(signed.get(row.id, ())),
            )
            for row in rows["cases"]
        ),
        actions=tuple(
            ActionRecord(
                review=review(row.ref, row.library_entry_id, row.entry_published),
                agency=row.agency_key,
                created_on=_day(row.created_at, zone),
                due_on=row.due_on,
                completions=tuple(completions.get(row.id, ())),
                signed_off_on=_day(row.signed_off_at, zone),
            )
            for row in rows["actions"]
        ),
        recommendations=tuple(
            RecommendationRecord(review(row.ref, row.library_entry_id, row.entry_published), _day(row.created_at, zone))
            for row in rows["recommendations"]
        ),
        library=tuple(
            LibraryRecord(row.review_type, row.published, tuple(row.themes), row.status) for row in rows["library"]
        ),
    )

"""Cases inserted in bulk: open rapid reviews whose reminders fall due together, and closed cases
with the history a finished review leaves behind (its sign-offs, a question asked, its synced
cards, its ledger claims and its sent notices)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from bot.review.stages import Stage
from storage.db import Database
from storage.models import Card, Case, CaseAgency, Claim, InfoRequest, OutboxMessage, SignOff

# A working Monday, 11:00 in London, after the 09:00 reminders and the 08:30 digest: every open
# review has 10 working days left, so each is due a countdown edit and a reminder to its channel.
MORNING = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
AGENCIES = ("police", "csc", "health", "education")
CASE_CARD = "case"
BATCH = 5000


def ref(number: int) -> str:
    """Case `number`'s reference: a year for each 100,000 cases, so history reaches back decades."""
    return f"{2000 + number // 100_000}-{number % 100_000:05d}"


def channel(number: int) -> str:
    return f"C{number:09d}"


def _case(number: int, stage: str, **more: object) -> dict[str, object]:
    return dict(
        id=number, ref=ref(number), ref_year=2000 + number // 100_000,
        ref_seq=number % 100_000, referral_key=f"V{number}", stage=stage, referring_agency="police",
        referred_by="U01POLICE", referred_at=MORNING - timedelta(days=20), child_identifier="AB", summary="s",
        age_band="under_1", harm="death", abuse_types=["neglect"], incident_on=date(2026, 3, 18),
        aware_on=date(2026, 3, 19), criteria_view="yes", notification_due=date(2026, 3, 26),
        notified_on=date(2026, 3, 23), review_due=date(2026, 4, 15), channel_id=channel(number),
        channel_name=f"rr-{number}", **more,
    )  # fmt: skip


def open_reviews(database: Database, first: int, count: int, posted: dict[int, str] | None = None) -> None:
    """`count` open rapid reviews from id `first`, each with four agencies and the police's sign-off,
    and its pinned case card, shown at `posted[id]` (the message's ts) when given, else synced
    without a message."""
    numbers = range(first, first + count)
    _insert(
        database,
        cases=[_case(number, Stage.RAPID_REVIEW.value) for number in numbers],
        agencies=[_agency(number, key) for number in numbers for key in AGENCIES],
        signoffs=[_signoff(number, "police") for number in numbers],
        cards=[_card(number, (posted or {}).get(number)) for number in numbers],
    )


def closed_cases(database: Database, first: int, count: int) -> None:
    """`count` closed cases from id `first`, inserted in batches."""
    for start in range(first, first + count, BATCH):
        numbers = range(start, min(start + BATCH, first + count))
        closed_at = MORNING - timedelta(days=400)
        _insert(
            database,
            cases=[
                _case(number, Stage.CLOSED.value, closed_at=closed_at, closed_reason="criteria_not_met")
                for number in numbers
            ],
            agencies=[_agency(number, key) for number in numbers for key in AGENCIES],
            signoffs=[_signoff(number, key) for number in numbers for key in AGENCIES],
            questions=[
                dict(request_key=f"Q{number}", case_id=number, asked_by="U01CHAIR", question="q", asked_at=closed_at)
                for number in numbers
            ],
            cards=[_card(number, f"{number}.000100") for number in numbers],
            claims=[
                dict(key=f"{number}|reminder|{point}", kind="reminder", case_id=number, claimed_at=closed_at)
                for number in numbers
                for point in ("10", "5", "3")
            ],
            outbox=[
                dict(
                    key=f"{number}|reminder|{point}|channel",
                    kind="notice",
                    platform="slack",
                    case_id=number,
                    payload={"to": f"C{number:09d}", "text": "t", "blocks": []},
                    created_at=closed_at,
                    status="sent",
                    attempts=1,
                    next_attempt_at=closed_at,
                    outcome_unknown=False,
                    sent_at=closed_at,
                    result={"ts": "1.0"},
                )
                for number in numbers
                for point in ("10", "5", "3")
            ],  # fmt: skip
        )


def _agency(number: int, key: str) -> dict[str, object]:
    return dict(case_id=number, agency_key=key, added_by="U01CHAIR", added_at=MORNING - timedelta(days=20))


def _signoff(number: int, key: str) -> dict[str, object]:
    return dict(case_id=number, agency_key=key, user_id="U01POLICE", signed_at=MORNING - timedelta(days=19))


def _card(number: int, ts: str | None) -> dict[str, object]:
    return dict(
        case_id=number, kind=CASE_CARD, destination=channel(number), pin=True,
        channel_id=channel(number) if ts else None, ts=ts,
        version=1, synced_version=1, attempts=0,
    )  # fmt: skip


_TABLES = {
    "cases": Case,
    "agencies": CaseAgency,
    "signoffs": SignOff,
    "questions": InfoRequest,
    "cards": Card,
    "claims": Claim,
    "outbox": OutboxMessage,
}


def _insert(database: Database, **rows: list[dict[str, object]]) -> None:
    with database.transaction() as session:
        for name, model in _TABLES.items():
            if rows.get(name):
                session.execute(insert(model), rows[name])

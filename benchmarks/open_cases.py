"""Open rapid reviews inserted in bulk, as a busy partnership holds them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert

from bot.review.stages import Stage
from storage.db import Database
from storage.models import Case, CaseAgency, SignOff

REFERRED_AT = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)
AGENCIES = ("police", "csc", "health", "education")


def ref(number: int) -> str:
    return f"2026-{number:03d}"


def channel(number: int) -> str:
    return f"C{number:08d}"


def insert_open_cases(url: str, count: int) -> None:
    """`count` open rapid reviews, numbered from 1, each with four agencies of which the police
    have signed off."""
    numbers = range(1, count + 1)
    cases = [
        dict(
            id=number, ref=ref(number), ref_year=2026, ref_seq=number, referral_key=f"V{number}",
            stage=Stage.RAPID_REVIEW.value, referring_agency="police", referred_by="U01POLICE",
            referred_at=REFERRED_AT, child_identifier="AB", summary="s", age_band="under_1", harm="death",
            abuse_types=["neglect"], incident_on=date(2026, 3, 18), aware_on=date(2026, 3, 19),
            criteria_view="yes", notification_due=date(2026, 3, 26), notified_on=date(2026, 3, 23),
            review_due=date(2026, 4, 15), channel_id=channel(number), channel_name=f"rr-{ref(number)}",
        )
        for number in numbers
    ]  # fmt: skip
    agencies = [
        dict(case_id=number, agency_key=key, added_by="U01CHAIR", added_at=REFERRED_AT)
        for number in numbers
        for key in AGENCIES
    ]
    signoffs = [
        dict(case_id=number, agency_key="police", user_id="U01POLICE", signed_at=REFERRED_AT) for number in numbers
    ]
    database = Database(url)
    try:
        with database.transaction() as session:
            session.execute(insert(Case), cases)
            session.execute(insert(CaseAgency), agencies)
            session.execute(insert(SignOff), signoffs)
    finally:
        database.dispose()

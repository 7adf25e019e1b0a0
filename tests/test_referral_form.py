from datetime import date
from pathlib import Path

import pytest

from bot.partnership import load
from bot.review.referral_form import Referral, identifier_problem, validate

PARTNERSHIP = load(Path(__file__).parent / "data" / "partnership.yaml")
TODAY = date(2026, 3, 10)
GOOD = {
    "referring_agency": "police",
    "child_identifier": "Child K",
    "age_band": "under_1",
    "harm": "serious_harm",
    "abuse_types": ["physical", "neglect"],
    "incident_on": "2026-03-02",
    "aware_on": "2026-03-03",
    "agencies": ["health", "police"],
    "summary": "  Injuries noticed at a health visit.\u202e  ",
    "criteria_view": "unsure",
}


def test_a_complete_form_gives_a_clean_referral():
    referral = validate(GOOD, PARTNERSHIP, TODAY)
    assert isinstance(referral, Referral)
    assert referral.agencies == ("police", "health")  # in the partnership file's order
    assert referral.summary == "Injuries noticed at a health visit."  # trimmed, bidi override gone
    assert referral.incident_on == date(2026, 3, 2)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("AB", None),
        ("Child K", None),
        ("", "Enter initials"),
        ("Jonathan Alexander Smith", "at most 20 characters"),
        ("AB 12/03/2019", "Leave dates out"),
        ("AB 2019", "Leave dates out"),
        ("K born 3 March", "Leave dates out"),
        ("AB 120319", "Leave dates out"),
        ("12", "initials or a pseudonym"),
    ],
)
def test_child_identifier_rules(value, fragment):
    problem = identifier_problem(value)
    if fragment is None:
        assert problem is None
    else:
        assert fragment in problem


def test_each_bad_field_gets_its_own_error():
    errors = validate(
        {
            **GOOD,
            "referring_agency": "fire_service",
            "child_identifier": "AB 01-02-2020",
            "age_band": None,
            "abuse_types": ["not_known", "neglect"],
            "incident_on": "2026-03-11",
            "aware_on": None,
            "agencies": [],
            "summary": "x" * 1501,
            "criteria_view": "maybe",
        },
        PARTNERSHIP,
        TODAY,
    )
    assert set(errors) == {
        "referring_agency",
        "child_identifier",
        "age_band",
        "abuse_types",
        "incident_on",
        "aware_on",
        "agencies",
        "summary",
        "criteria_view",
    }
    assert "future" in errors["incident_on"]
    assert "Not known on its own" in errors["abuse_types"]


def test_awareness_cannot_come_before_the_incident_or_be_in_the_future():
    assert "before the incident" in validate({**GOOD, "aware_on": "2026-03-01"}, PARTNERSHIP, TODAY)["aware_on"]
    assert "future" in validate({**GOOD, "aware_on": "2026-03-11"}, PARTNERSHIP, TODAY)["aware_on"]

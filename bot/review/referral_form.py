"""The partnership's referral form, minimised for privacy, and the rules for what it accepts.

Pure: `validate` takes the raw values and today's date and answers with either a clean
`Referral` or errors keyed by the form's block ids, ready for Slack's `response_action: errors`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.free_text import clean, iso_date
from bot.partnership import Partnership

AGE_BANDS = {
    "under_1": "Under 1",
    "1_4": "1 to 4",
    "5_9": "5 to 9",
    "10_15": "10 to 15",
    "16_17": "16 to 17",
}
HARMS = {"death": "Death", "serious_harm": "Serious harm"}
ABUSE_TYPES = {
    "physical": "Physical abuse",
    "emotional": "Emotional abuse",
    "sexual": "Sexual abuse",
    "neglect": "Neglect",
    "exploitation": "Exploitation",
    "not_known": "Not known",
}
CRITERIA_VIEWS = {"yes": "Yes", "no": "No", "unsure": "Unsure"}

IDENTIFIER_MAX = 20
SUMMARY_MAX = 1500

_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_LIKE = re.compile(
    "|".join(
        (
            r"\d{1,4}\s*[/.\-]\s*\d{1,2}",  # 3/4, 12-05-2019, 2019-05-12
            r"\b\d{1,2}(st|nd|rd|th)?\s+" + _MONTH,  # 3 March, 21st Jan
            r"\b" + _MONTH + r"\s+\d{1,4}\b",  # March 2019, Jan 3
            r"\b(19|20)\d{2}\b",  # a year
            r"\d{6,}",  # 120519, 12052019
        )
    ),
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Referral:
    referring_agency: str
    child_identifier: str
    age_band: str
    harm: str
    abuse_types: tuple[str, ...]
    incident_on: date
    aware_on: date
    agencies: tuple[str, ...]
    summary: str
    criteria_view: str


def identifier_problem(value: str) -> str | None:
    if not value:
        return "Enter initials or a pseudonym, such as AB or Child K."
    if len(value) > IDENTIFIER_MAX:
        return f"Use initials or a pseudonym of at most {IDENTIFIER_MAX} characters, not a name."
    if _DATE_LIKE.search(value):
        return "Leave dates out of the identifier: use initials or a pseudonym only."
    if not any(ch.isalpha() for ch in value):
        return "Use initials or a pseudonym, such as AB or Child K."
    return None


def validate(raw: dict[str, Any], partnership: Partnership, today: date) -> Referral | dict[str, str]:
    """`raw` maps block ids to submitted values: strings, ISO dates, or lists for multi-selects."""
    errors: dict[str, str] = {}
    agency_keys = {agency.key for agency in partnership.agencies}

    referring = _choice(raw.get("referring_agency"), agency_keys)
    if referring is None:
        errors["referring_agency"] = "Choose the agency making the referral."

    identifier = clean(raw.get("child_identifier"))
    if problem := identifier_problem(identifier):
        errors["child_identifier"] = problem

    for block, options, label in (
        ("age_band", AGE_BANDS, "the child's age band"),
        ("harm", HARMS, "what happened"),
        ("criteria_view", CRITERIA_VIEWS, "whether you think the criteria are met"),
    ):
        if _choice(raw.get(block), options) is None:
            errors[block] = f"Choose {label}."

    abuse = _choices(raw.get("abuse_types"), ABUSE_TYPES)
    if not abuse:
        errors["abuse_types"] = "Choose at least one type of abuse or neglect, or Not known."
    elif "not_known" in abuse and len(abuse) > 1:
        errors["abuse_types"] = "Choose Not known on its own, or only the types that are known."

    incident_on = iso_date(raw.get("incident_on"))
    aware_on = iso_date(raw.get("aware_on"))
    if incident_on is None:
        errors["incident_on"] = "Choose the date of the incident."
    elif incident_on > today:
        errors["incident_on"] = "The incident date cannot be in the future."
    if aware_on is None:
        errors["aware_on"] = "Choose the date the local authority became aware."
    elif aware_on > today:
        errors["aware_on"] = "This date cannot be in the future."
    elif incident_on is not None and incident_on <= today and aware_on < incident_on:
        errors["aware_on"] = "The local authority cannot have become aware before the incident."

    involved = _choices(raw.get("agencies"), agency_keys)
    if not involved:
        errors["agencies"] = "Choose every agency involved with the child (at least one)."

    summary = clean(raw.get("summary"))
    if not summary:
        errors["summary"] = "Give a short summary of what happened."
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = f"Keep the summary within {SUMMARY_MAX} characters ({len(summary)} now)."

    if errors:
        return errors
    assert incident_on is not None and aware_on is not None
    return Referral(
        referring_agency=str(referring),
        child_identifier=identifier,
        age_band=str(raw["age_band"]),
        harm=str(raw["harm"]),
        abuse_types=tuple(sorted(set(abuse), key=list(ABUSE_TYPES).index)),
        incident_on=incident_on,
        aware_on=aware_on,
        agencies=tuple(key for key in (a.key for a in partnership.agencies) if key in involved),
        summary=summary,
        criteria_view=str(raw["criteria_view"]),
    )


def _choice(value: Any, options: Collection[str]) -> str | None:
    """The chosen option, if it is one of the form's; anything else (only a tampered request
    sends something else) counts as not chosen."""
    return value if isinstance(value, str) and value in options else None


def _choices(value: Any, options: Collection[str]) -> list[str]:
    return [item for item in value if _choice(item, options)] if isinstance(value, list) else []

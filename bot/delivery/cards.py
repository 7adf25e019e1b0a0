"""The messages the bot keeps in step with a case, rendered from the case as it is now."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.partnership import PARTNER_NAMES, Partnership
from bot.review.referral_form import ABUSE_TYPES, AGE_BANDS, CRITERIA_VIEWS, HARMS
from bot.review.stages import OUTCOMES, STAGE_LABELS, Stage
from bot.working_days import WorkingCalendar
from messages import render
from storage.models import Case

TRIAGE = "triage"
CASE = "case"
DECISION = "decision"
ENDORSE_PREFIX = "endorse:"


def endorse_kind(role: str) -> str:
    return ENDORSE_PREFIX + role


def render_card(
    kind: str, case: Case, partnership: Partnership, calendar: WorkingCalendar, today: date
) -> dict[str, Any]:
    facts = case_facts(case, partnership, calendar, today)
    if kind == TRIAGE:
        return render("triage_card", **facts)
    if kind == CASE:
        return render("case_card", **facts)
    if kind == DECISION:
        return render("decision_card", **facts)
    if kind.startswith(ENDORSE_PREFIX):
        role = kind.removeprefix(ENDORSE_PREFIX)
        return render("endorse_card", role=role, role_name=PARTNER_NAMES[role], **facts)
    raise ValueError(f"unknown card kind {kind!r}")


def case_facts(case: Case, partnership: Partnership, calendar: WorkingCalendar, today: date) -> dict[str, Any]:
    """Everything a card may show. Child identifiers and summaries are deliberately absent."""
    signed = {signoff.agency_key: signoff for signoff in case.signoffs}
    tracker = [
        {
            "key": link.agency_key,
            "name": partnership.agency_name(link.agency_key),
            "signoff": signed.get(link.agency_key),
        }
        for link in case.agencies
    ]
    decision = case.decision
    endorsements = []
    if decision is not None and partnership.partners:
        given = {e.partner: e for e in decision.endorsements}
        endorsements = [
            {"role": role, "name": PARTNER_NAMES[role], "delegate": user, "endorsement": given.get(role)}
            for role, user in partnership.partners.items()
        ]
    stage = Stage(case.stage)
    return {
        "case": case,
        "partnership": partnership,
        "stage": stage.value,
        "stage_label": STAGE_LABELS[stage],
        "agency_name": partnership.agency_name(case.referring_agency),
        "age_band": AGE_BANDS.get(case.age_band, case.age_band),
        "harm": HARMS.get(case.harm, case.harm),
        "abuse": ", ".join(ABUSE_TYPES.get(a, a) for a in case.abuse_types),
        "criteria_view": CRITERIA_VIEWS.get(case.criteria_view, case.criteria_view),
        "notification_left": calendar.days_left(today, case.notification_due),
        "review_left": calendar.days_left(today, case.review_due) if case.review_due else None,
        "tracker": tracker,
        "outstanding": [line["name"] for line in tracker if line["signoff"] is None],
        "decision": decision,
        "outcome_label": OUTCOMES.get(decision.outcome, "") if decision else "",
        "outcomes": OUTCOMES,
        "endorsements": endorsements,
        "info_requests": case.info_requests,
        "tz": partnership.timezone,
    }

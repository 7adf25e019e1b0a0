"""The messages the bot keeps in step with a case, rendered from the case as it is now."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.learning.entries import MATERIALS, STATUSES
from bot.partnership import PARTNER_NAMES, Partnership
from bot.review import local_review, panel
from bot.review.referral_form import ABUSE_TYPES, AGE_BANDS, CRITERIA_VIEWS, HARMS
from bot.review.stages import CLOSABLE_STAGES, OUTCOMES, STAGE_LABELS, Stage
from bot.working_days import WorkingCalendar
from messages import render
from messages.slack_text import published_label
from storage.models import Case

TRIAGE = "triage"
CASE = "case"
DECISION = "decision"
ENDORSE_PREFIX = "endorse:"
# The publication card, one copy per place it is announced, each edited when the material changes.
PUBLICATION_CASE = "publication:case"
PUBLICATION_PPRG = "publication:pprg"
PUBLICATION_LEARNING = "publication:learning"
PUBLICATION_KINDS = (PUBLICATION_CASE, PUBLICATION_PPRG, PUBLICATION_LEARNING)


def endorse_kind(role: str) -> str:
    return ENDORSE_PREFIX + role


def render_card(
    kind: str, case: Case, partnership: Partnership, calendar: WorkingCalendar, today: date
) -> dict[str, Any]:
    facts = case_facts(case, partnership, calendar, today)
    if kind == TRIAGE:
        return render("triage_card", **facts)
    if kind == CASE:
        return render("local_review_card" if case.local_review else "case_card", **facts)
    if kind in PUBLICATION_KINDS:
        return render("publication_card", **facts)
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
    recorded = {milestone.key: milestone for milestone in case.milestones}
    review = case.local_review
    target = local_review.target(review.decided_on) if review else None
    settled = review is not None and local_review.settled(review.publication, recorded)
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
        "panel_answer": case.panel_answer,
        "panel_answer_label": panel.ANSWERS[case.panel_answer.answer] if case.panel_answer else "",
        "panel_answers": panel.ANSWERS,
        "review": review,
        "target": target,
        "time_left": local_review.time_left(today, target) if target else "",
        "milestones": [
            {"key": key, "label": label, "milestone": recorded.get(key)}
            for key, label in local_review.MILESTONES.items()
        ],
        "next_milestone": local_review.MILESTONES.get(local_review.next_milestone(recorded) or "", ""),
        "earliest_publication": local_review.earliest_publication(
            {key: m.on for key, m in recorded.items()}, calendar, partnership.publication_notice_working_days
        ),
        "publication_label": local_review.PUBLICATION_DECISIONS.get(review.publication or "", "") if review else "",
        "closable": stage in CLOSABLE_STAGES and (review is None or settled),
        "entry": case.library_entry,
        "materials": MATERIALS,
        "statuses": STATUSES,
        "published_label": published_label(case.library_entry.published if case.library_entry else None),
    }

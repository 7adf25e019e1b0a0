"""The messages the bot keeps in step with a case, rendered from the case as it is now."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bot.learning import actions as action_rules
from bot.learning.entries import MATERIALS, STATUSES
from bot.partnership import PARTNER_NAMES, Partnership
from bot.review import local_review, panel
from bot.review.referral_form import ABUSE_TYPES, AGE_BANDS, CRITERIA_VIEWS, HARMS
from bot.review.stages import CLOSABLE_STAGES, OUTCOMES, STAGE_LABELS, Stage
from bot.working_days import WorkingCalendar
from messages import render
from messages.wording import published_label
from storage import repositories
from storage.models import Action, Card, Case, Recommendation

TRIAGE = "triage"
CASE = "case"
DECISION = "decision"
ENDORSE_PREFIX = "endorse:"
# The publication card, one copy per place it is announced, each edited when the material changes.
PUBLICATION_CASE = "publication:case"
PUBLICATION_PPRG = "publication:pprg"
PUBLICATION_LEARNING = "publication:learning"
PUBLICATION_KINDS = (PUBLICATION_CASE, PUBLICATION_PPRG, PUBLICATION_LEARNING)
# Action plans: a recommendation's card where the PPRG follows it, and each action's in its owner's DM.
RECOMMENDATION_PREFIX = "recommendation:"
ACTION_PREFIX = "action:"


def recommendation_kind(recommendation_id: int) -> str:
    return f"{RECOMMENDATION_PREFIX}{recommendation_id}"


def action_kind(action_id: int) -> str:
    return f"{ACTION_PREFIX}{action_id}"


def plan_subject(recommendation: Recommendation) -> str:
    """What a recommendation is about: its case, or the national review it came from."""
    if recommendation.case is not None:
        return recommendation.case.ref
    assert recommendation.library_entry is not None
    return f"the national review {recommendation.library_entry.title}"


def action_label(action: Action) -> str:
    return f"action {action.recommendation.number}.{action.number} of {plan_subject(action.recommendation)}"


def render_stored(
    session: Session, card: Card, partnership: Partnership, calendar: WorkingCalendar, today: date
) -> dict[str, Any]:
    """The message a stored card shows now, from what it is about as it is now."""
    if card.kind.startswith((RECOMMENDATION_PREFIX, ACTION_PREFIX)):
        number = int(card.kind.partition(":")[2])
        if card.kind.startswith(RECOMMENDATION_PREFIX):
            recommendation = repositories.recommendation(session, number)
            assert recommendation is not None
            return render(
                "recommendation_card", platform=partnership.platform, **plan_facts(recommendation, partnership, today)
            )
        action = repositories.action(session, number)
        assert action is not None
        facts = plan_facts(action.recommendation, partnership, today)
        line = next(line for line in facts["actions"] if line["action"].id == action.id)
        return render("action_card", platform=partnership.platform, line=line, label=action_label(action), **facts)
    case = repositories.case_by_id(session, card.case_id) if card.case_id is not None else None
    assert case is not None
    return render_card(card.kind, case, partnership, calendar, today)


def plan_facts(recommendation: Recommendation, partnership: Partnership, today: date) -> dict[str, Any]:
    return {
        "recommendation": recommendation,
        "subject": plan_subject(recommendation),
        "actions": [
            {
                "action": action,
                "agency": partnership.agency_name(action.agency_key),
                "overdue": action_rules.overdue(action.state, action.due_on, today),
                "state": action_rules.STATES[action.state],
                "latest": next((u for u in reversed(action.updates) if u.note), None),
            }
            for action in recommendation.actions
        ],
        "tz": partnership.timezone,
    }


def endorse_kind(role: str) -> str:
    return ENDORSE_PREFIX + role


def render_card(
    kind: str, case: Case, partnership: Partnership, calendar: WorkingCalendar, today: date, *, readonly: bool = False
) -> dict[str, Any]:
    """The card as it is now; `readonly` (for a scrutineer) leaves out every button and free text."""
    facts = {**case_facts(case, partnership, calendar, today), "readonly": readonly}
    if kind == TRIAGE:
        return render("triage_card", platform=partnership.platform, **facts)
    if kind == CASE:
        return render("local_review_card" if case.local_review else "case_card", platform=partnership.platform, **facts)
    if kind in PUBLICATION_KINDS:
        return render("publication_card", platform=partnership.platform, **facts)
    if kind == DECISION:
        return render("decision_card", platform=partnership.platform, **facts)
    if kind.startswith(ENDORSE_PREFIX):
        role = kind.removeprefix(ENDORSE_PREFIX)
        return render("endorse_card", platform=partnership.platform, role=role, role_name=PARTNER_NAMES[role], **facts)
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

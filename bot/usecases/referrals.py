"""Referral and triage: from the referral form to a started rapid review (or a closed referral)."""

from __future__ import annotations

from datetime import date

from bot.delivery import cards
from bot.desk import read_only
from bot.free_text import clean
from bot.outcomes import Done, Invalid, Outcome, Refused, not_allowed
from bot.review import permissions
from bot.review.referral_form import Referral
from bot.review.stages import STAGE_LABELS, Stage, notification_due, review_due
from bot.work import Work
from storage import repositories
from storage.models import Case, CaseAgency, InfoRequest

REASON_MAX = 1000


def refer(work: Work, actor: str, referral_key: str, referral: Referral) -> Outcome:
    existing = repositories.case_by_referral(work.session, referral_key)
    if existing is not None:
        return Done(reply=f"Referral received: case {existing.ref}.", changed=False, data={"ref": existing.ref})
    year = work.today.year
    number = repositories.next_case_number(work.session, year)
    case = Case(
        ref=f"{year}-{number:03d}",
        ref_year=year,
        ref_seq=number,
        referral_key=referral_key,
        stage=Stage.REFERRED,
        referring_agency=referral.referring_agency,
        referred_by=actor,
        referred_at=work.now,
        child_identifier=referral.child_identifier,
        summary=referral.summary,
        age_band=referral.age_band,
        harm=referral.harm,
        abuse_types=list(referral.abuse_types),
        incident_on=referral.incident_on,
        aware_on=referral.aware_on,
        criteria_view=referral.criteria_view,
        notification_due=notification_due(referral.aware_on, work.calendar),
    )
    case.agencies = [CaseAgency(agency_key=key, added_by=actor, added_at=work.now) for key in referral.agencies]
    work.session.add(case)
    work.session.flush()
    work.audit(actor, "referred", case, referral_view=referral_key, agencies=list(referral.agencies))
    work.refresh(case, cards.TRIAGE, destination=work.partnership.pprg_channel)
    work.notify(
        f"{case.ref}|referral-confirmation",
        actor,
        work.render(
            "referral_confirmation", case=case, agency_name=work.partnership.agency_name(case.referring_agency)
        ),
        case,
    )
    return Done(reply=f"Referral received: case {case.ref}.", data={"ref": case.ref})


def _triageable(work: Work, actor: str, ref: str) -> Case | Refused:
    if not permissions.may_manage(actor, work.partnership):
        return not_allowed("Only the PPRG chair or business manager can triage referrals.")
    case = repositories.case_by_ref(work.session, ref, lock=True)
    if case is None:
        return Refused(f"There is no case {ref}.")
    if case.stage != Stage.REFERRED:
        return Refused(f"Case {case.ref} has already been triaged: {STAGE_LABELS[Stage(case.stage)].lower()}.")
    return case


@read_only
def check_triage(work: Work, actor: str, ref: str) -> Outcome:
    """Before a triage form opens: is this person allowed, and is the case still waiting?"""
    case = _triageable(work, actor, ref)
    if isinstance(case, Refused):
        return case
    return Done(changed=False, data={"ref": case.ref, "notified_on": case.notified_on or work.today})


def start_review(work: Work, actor: str, ref: str, notified_on: date) -> Outcome:
    case = _triageable(work, actor, ref)
    if isinstance(case, Refused):
        return case
    if notified_on > work.today:
        return Invalid({"notified_on": "The notification cannot have been sent in the future."})
    if notified_on < case.aware_on:
        return Invalid({"notified_on": "The notification cannot predate the local authority becoming aware."})
    case.stage = Stage.OPENING
    case.notified_on = notified_on
    case.review_due = review_due(notified_on, work.calendar)
    attempt = repositories.outbox_count(work.session, case.id, "open_channel") + 1
    work.open_channel(f"{case.ref}|open-channel|{attempt}", case, started_by=actor)
    work.audit(actor, "review_started", case, notified_on=notified_on.isoformat(), attempt=attempt)
    work.refresh(case, cards.TRIAGE)
    return Done(reply=f"Starting the rapid review of {case.ref}: opening its private channel.")


def criteria_not_met(work: Work, actor: str, ref: str, reason: str) -> Outcome:
    case = _triageable(work, actor, ref)
    if isinstance(case, Refused):
        return case
    reason = clean(reason)
    if not reason:
        return Invalid({"reason": "Give the reason the criteria are not met."})
    if len(reason) > REASON_MAX:
        return Invalid({"reason": f"Keep the reason within {REASON_MAX} characters."})
    case.stage = Stage.CLOSED
    case.closed_at = work.now
    case.closed_reason = "criteria_not_met"
    case.closure_note = reason
    work.audit(actor, "criteria_not_met", case, outcome="local learning")
    work.refresh(case, cards.TRIAGE)
    work.notify(
        f"{case.ref}|criteria-not-met", case.referred_by, work.render("criteria_not_met", case=case, by=actor), case
    )
    return Done(reply=f"Case {case.ref} closed: criteria not met, recorded as local learning.")


def ask_for_information(work: Work, actor: str, ref: str, question: str, request_key: str) -> Outcome:
    case = _triageable(work, actor, ref)
    if isinstance(case, Refused):
        return case
    if repositories.info_request(work.session, request_key) is not None:
        return Done(reply="Your question has already been sent.", changed=False)
    question = clean(question)
    if not question:
        return Invalid({"question": "Say what information the PPRG needs."})
    if len(question) > REASON_MAX:
        return Invalid({"question": f"Keep the question within {REASON_MAX} characters."})
    request = InfoRequest(request_key=request_key, asked_by=actor, question=question, asked_at=work.now)
    case.info_requests.append(request)
    work.session.flush()
    work.audit(actor, "information_requested", case, request=request.id)
    work.refresh(case, cards.TRIAGE)
    work.notify(
        f"{case.ref}|information-request|{request.id}",
        case.referred_by,
        work.render("information_request", case=case, by=actor, question=question),
        case,
    )
    return Done(reply=f"Sent your question about {case.ref} to the referrer.")

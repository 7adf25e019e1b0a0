"""Agency sign-off on a rapid review, and adding an agency that was missed."""

from __future__ import annotations

from bot.delivery import cards
from bot.desk import read_only
from bot.free_text import clean
from bot.outcomes import Done, Invalid, Outcome, Refused, not_allowed
from bot.review import permissions
from bot.review.stages import Stage
from bot.work import Work
from storage import repositories
from storage.models import Case, CaseAgency, SignOff

COMMENT_MAX = 500


def _review_case(work: Work, actor: str, ref: str) -> Case | Refused:
    """The case, locked, if this person leads one of its agencies and sign-offs are open."""
    case = repositories.case_by_ref(work.session, ref, lock=True)
    involved = [link.agency_key for link in case.agencies] if case else []
    if case is None or not permissions.leads_any(actor, work.partnership, involved):
        return not_allowed(f"You are not the lead for an agency on {ref}.")
    if case.stage != Stage.RAPID_REVIEW:
        return Refused(f"Sign-offs for {case.ref} are closed: the review has moved on.")
    return case


def _signable(work: Work, actor: str, case: Case) -> list[str]:
    return permissions.agencies_to_sign(
        actor,
        work.partnership,
        involved=[link.agency_key for link in case.agencies],
        signed=[signoff.agency_key for signoff in case.signoffs],
    )


@read_only
def check_sign_off(work: Work, actor: str, ref: str) -> Outcome:
    """Before the sign-off form opens: which outstanding agencies does this person lead?"""
    case = _review_case(work, actor, ref)
    if isinstance(case, Refused):
        return case
    agencies = _signable(work, actor, case)
    if not agencies:
        return not_allowed(f"You are not the lead for an agency that still has to sign off {case.ref}.")
    return Done(changed=False, data={"ref": case.ref, "agencies": agencies})


def sign_off(work: Work, actor: str, ref: str, agency: str, comment: str | None) -> Outcome:
    case = _review_case(work, actor, ref)
    if isinstance(case, Refused):
        return case
    involved = [link.agency_key for link in case.agencies]
    name = work.partnership.agency_name(agency)
    if agency not in involved or not permissions.leads(actor, work.partnership, agency):
        return not_allowed(f"You are not the lead for {name} on {case.ref}.")
    if any(signoff.agency_key == agency for signoff in case.signoffs):
        return Done(reply=f"{name} has already signed off {case.ref}.", changed=False)
    comment = clean(comment)
    if len(comment) > COMMENT_MAX:
        return Invalid({"comment": f"Keep the comment within {COMMENT_MAX} characters."})
    case.signoffs.append(SignOff(agency_key=agency, user_id=actor, comment=comment or None, signed_at=work.now))
    work.audit(actor, "signed_off", case, agency=agency, with_comment=bool(comment))
    work.refresh(case, cards.CASE)
    if len(case.signoffs) == len(case.agencies):
        work.refresh(case, cards.DECISION, destination=case.channel_id)
    return Done(reply=f"Signed off {case.ref} for {name}.")


def add_agency(work: Work, actor: str, channel_id: str, agency_key: str) -> Outcome:
    case = repositories.case_by_channel(work.session, channel_id)
    if case is None:
        return Refused("Run /cspr add-agency in the case's channel.")
    case = repositories.case_by_id(work.session, case.id, lock=True)
    assert case is not None
    involved = [link.agency_key for link in case.agencies]
    if not permissions.may_add_agency(actor, work.partnership, involved):
        return not_allowed(f"Only the PPRG chair, business manager or an agency lead on {case.ref} can add an agency.")
    if case.stage != Stage.RAPID_REVIEW:
        return Refused(f"Agencies can only be added to {case.ref} before the decision.")
    agency = work.partnership.agency(agency_key)
    if agency is None or agency.key in involved:
        return Refused(_add_agency_usage(work, case))
    case.agencies.append(CaseAgency(agency_key=agency.key, added_by=actor, added_at=work.now))
    work.session.flush()
    work.audit(actor, "agency_added", case, agency=agency.key)
    work.invite(f"{case.ref}|invite|{agency.key}", case, list(agency.leads))
    work.refresh(case, cards.CASE)
    work.refresh(case, cards.DECISION)
    work.notify(
        f"{case.ref}|agency-added|{agency.key}",
        case.channel_id or "",
        work.render("agency_added", case=case, agency=agency, by=actor),
        case,
    )
    return Done(reply=f"Added {agency.name} to {case.ref} and invited its leads.")


def _add_agency_usage(work: Work, case: Case) -> str:
    involved = {link.agency_key for link in case.agencies}
    missing = [f"`{a.key}` ({a.name})" for a in work.partnership.agencies if a.key not in involved]
    if not missing:
        return f"Every agency in the partnership file is already involved in {case.ref}."
    return f"Usage: /cspr add-agency <agency>. Agencies not yet involved in {case.ref}: {', '.join(missing)}."

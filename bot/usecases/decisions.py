"""The PPRG recommendation, the safeguarding partners' endorsement, and sending to the Panel."""

from __future__ import annotations

from datetime import date

from bot.delivery import cards
from bot.desk import read_only
from bot.free_text import clean
from bot.outcomes import Done, Invalid, Outcome, Refused, not_allowed
from bot.partnership import PARTNER_NAMES
from bot.review import permissions
from bot.review.stages import OUTCOMES, Stage, after_sent_to_panel
from bot.usecases import local_reviews
from bot.work import Work
from messages.wording import day
from storage import repositories
from storage.models import Case, Decision, Endorsement

RATIONALE_MAX = 2000


def _decidable(work: Work, actor: str, ref: str) -> Case | Refused:
    if not permissions.may_decide(actor, work.partnership):
        return not_allowed("Only the PPRG chair can record the decision.")
    case = repositories.case_by_ref(work.session, ref, lock=True)
    if case is None:
        return Refused(f"There is no case {ref}.")
    if case.decision is not None:
        return Refused(f"The PPRG recommendation for {case.ref} is already recorded.")
    if case.stage != Stage.RAPID_REVIEW:
        return Refused(f"{case.ref} is not waiting for a decision.")
    outstanding = {link.agency_key for link in case.agencies} - {s.agency_key for s in case.signoffs}
    if outstanding:
        names = ", ".join(work.partnership.agency_name(key) for key in sorted(outstanding))
        return Refused(f"{case.ref} is still waiting for sign-off from {names}.")
    return case


@read_only
def check_decide(work: Work, actor: str, ref: str) -> Outcome:
    case = _decidable(work, actor, ref)
    if isinstance(case, Refused):
        return case
    return Done(changed=False, data={"ref": case.ref})


def decide(work: Work, actor: str, ref: str, outcome: str, rationale: str) -> Outcome:
    case = _decidable(work, actor, ref)
    if isinstance(case, Refused):
        return case
    if outcome not in OUTCOMES:
        return Refused("That is not one of the decisions the PPRG can make.")
    rationale = clean(rationale)
    if not rationale:
        return Invalid({"rationale": "Give the rationale for the decision."})
    if len(rationale) > RATIONALE_MAX:
        return Invalid({"rationale": f"Keep the rationale within {RATIONALE_MAX} characters."})
    case.decision = Decision(outcome=outcome, rationale=rationale, decided_by=actor, decided_at=work.now)
    work.session.flush()
    work.audit(actor, "recommended", case, outcome=outcome)
    partners = work.partnership.partners
    if partners:
        case.stage = Stage.AWAITING_ENDORSEMENT
        work.invite(f"{case.ref}|invite|partners", case, list(dict.fromkeys(partners.values())))
        for role, delegate in partners.items():
            work.refresh(case, cards.endorse_kind(role), destination=delegate)
        reply = (
            f"Recorded the PPRG recommendation for {case.ref}; the safeguarding partners have been asked to endorse it."
        )
    else:
        _finalise(work, case)
        reply = f"Recorded the decision for {case.ref}: {OUTCOMES[outcome]}."
    work.refresh(case, cards.DECISION)
    work.refresh(case, cards.CASE)
    work.refresh(case, cards.TRIAGE)
    return Done(reply=reply)


def endorse(work: Work, actor: str, ref: str, role: str) -> Outcome:
    if role not in permissions.partner_roles(actor, work.partnership):
        return not_allowed("Only the named delegate of a safeguarding partner can endorse this decision.")
    case = repositories.case_by_ref(work.session, ref, lock=True)
    if case is None or case.decision is None:
        return Refused(f"There is no recommendation to endorse on {ref}.")
    decision = case.decision
    if any(e.partner == role for e in decision.endorsements):
        return Done(reply=f"Already endorsed for {PARTNER_NAMES[role]}.", changed=False)
    if case.stage != Stage.AWAITING_ENDORSEMENT:
        return Refused(f"{case.ref} is not waiting for endorsement.")
    decision.endorsements.append(Endorsement(partner=role, user_id=actor, endorsed_at=work.now))
    work.session.flush()
    work.audit(actor, "endorsed", case, partner=role, outcome=decision.outcome)
    work.refresh(case, cards.DECISION)
    work.refresh(case, cards.endorse_kind(role))
    if {e.partner for e in decision.endorsements} >= set(work.partnership.partners):
        _finalise(work, case)
        for other in work.partnership.partners:
            work.refresh(case, cards.endorse_kind(other))
        work.refresh(case, cards.CASE)
        work.refresh(case, cards.TRIAGE)
    return Done(reply=f"Endorsed the decision on {case.ref} for {PARTNER_NAMES[role]}.")


def _finalise(work: Work, case: Case) -> None:
    decision = case.decision
    assert decision is not None
    decision.final_at = work.now
    case.stage = Stage.DECIDED
    work.audit(decision.decided_by, "decision_final", case, outcome=decision.outcome)
    message = work.render("decision_final", case=case, outcome=OUTCOMES[decision.outcome], decision=decision)
    work.notify(f"{case.ref}|decision-final|case", case.channel_id or "", message, case)
    work.notify(f"{case.ref}|decision-final|pprg", work.partnership.pprg_channel, message, case)


def _sendable(work: Work, actor: str, ref: str) -> Case | Refused:
    if not permissions.may_manage(actor, work.partnership):
        return not_allowed("Only the PPRG chair or business manager can record that the review went to the Panel.")
    case = repositories.case_by_ref(work.session, ref, lock=True)
    if case is None:
        return Refused(f"There is no case {ref}.")
    if case.sent_to_panel_on is not None:
        return Refused(f"{case.ref} was already sent to the Panel.")
    if case.stage != Stage.DECIDED:
        return Refused(f"{case.ref} has no final decision yet.")
    return case


@read_only
def check_mark_sent(work: Work, actor: str, ref: str) -> Outcome:
    case = _sendable(work, actor, ref)
    if isinstance(case, Refused):
        return case
    return Done(changed=False, data={"ref": case.ref})


def mark_sent(work: Work, actor: str, ref: str, sent_on: date) -> Outcome:
    case = _sendable(work, actor, ref)
    if isinstance(case, Refused):
        return case
    assert case.decision is not None and case.notified_on is not None
    if sent_on > work.today:
        return Invalid({"sent_on": "The date cannot be in the future."})
    if sent_on < case.notified_on:
        return Invalid({"sent_on": "The review cannot have gone to the Panel before the notification."})
    case.sent_to_panel_on = sent_on
    case.stage = after_sent_to_panel(case.decision.outcome)
    work.audit(actor, "sent_to_panel", case, sent_on=sent_on.isoformat())
    if case.stage == Stage.LOCAL_REVIEW:
        assert case.decision.final_at is not None
        decided_on = case.decision.final_at.astimezone(work.partnership.timezone).date()
        local_reviews.start(work, case, decided_on, "partners", actor)
    message = work.render("sent_to_panel", case=case, by=actor)
    work.notify(f"{case.ref}|sent-to-panel|case", case.channel_id or "", message, case)
    work.notify(f"{case.ref}|sent-to-panel|pprg", work.partnership.pprg_channel, message, case)
    work.refresh(case, cards.DECISION)
    work.refresh(case, cards.CASE)
    work.refresh(case, cards.TRIAGE)
    return Done(reply=f"Recorded: rapid review {case.ref} sent to the Panel on {day(sent_on)}.")

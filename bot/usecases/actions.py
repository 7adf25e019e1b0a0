"""Action plans: recommendations of a review, their actions, and each action from its owner's
progress to its completion signed off by the PPRG."""

from __future__ import annotations

from bot.delivery import cards
from bot.desk import read_only
from bot.free_text import clean
from bot.learning import actions as rules
from bot.learning.actions import ActionDraft
from bot.learning.entries import import_key, title_problem
from bot.learning.search import terms
from bot.outcomes import Done, Invalid, Outcome, Refused, not_allowed
from bot.review import permissions
from bot.review.stages import Stage
from bot.work import Work
from storage import repositories
from storage.models import Action, ActionUpdate, Case, LibraryEntry, Recommendation

NATIONAL = "national"


def _case_with_learning(work: Work, actor: str, channel_id: str, ref: str | None) -> Case | Refused:
    if not permissions.may_manage(actor, work.partnership):
        return not_allowed("Only the PPRG chair or business manager can record recommendations and actions.")
    found = (
        repositories.case_by_ref(work.session, ref) if ref else repositories.case_by_channel(work.session, channel_id)
    )
    if found is None:
        return Refused(
            f"There is no case {ref}."
            if ref
            else "Run /cspr recommend in the case's channel, name the case (/cspr recommend 2026-004), or file it "
            'against a national review: /cspr recommend --national "<title>".'
        )
    decided = found.decision is not None and found.decision.final_at is not None
    if not decided and found.closed_reason != "criteria_not_met":
        return Refused(f"{found.ref} has no decision yet: recommendations follow the decision.")
    return found


def _national_entry(work: Work, title: str) -> LibraryEntry:
    """The national review in the library that recommendations are filed against, added if new."""
    key = import_key(title, NATIONAL)
    entry = repositories.library_entry(work.session, key)
    if entry is None:
        entry = LibraryEntry(
            entry_key=key, title=title, review_type=NATIONAL, published=None, themes=[], links={}, added_at=work.now
        )
        entry.terms, entry.updated_at = terms(title, [], NATIONAL, None), work.now
        work.session.add(entry)
        work.session.flush()
    return entry


@read_only
def check_recommend(
    work: Work, actor: str, channel_id: str, ref: str | None = None, national: str | None = None
) -> Outcome:
    """Before the form opens: may this person, and for which review?"""
    if national is not None:
        if not permissions.may_manage(actor, work.partnership):
            return not_allowed("Only the PPRG chair or business manager can record recommendations and actions.")
        title = " ".join(clean(national).split())
        if problem := title_problem(title):
            return Refused(f'Usage: /cspr recommend --national "<title>". {problem}')
        return Done(changed=False, data={"ref": None, "national": title, "about": f"the national review {title}"})
    case = _case_with_learning(work, actor, channel_id, ref)
    if isinstance(case, Refused):
        return case
    return Done(changed=False, data={"ref": case.ref, "national": None, "about": case.ref})


def recommend(
    work: Work,
    actor: str,
    request_key: str,
    ref: str | None,
    national: str | None,
    text: str,
    action: ActionDraft | dict[str, str],
) -> Outcome:
    """A recommendation and its first action, from one form."""
    existing = repositories.recommendation_by_request(work.session, request_key)
    if existing is not None:
        return Done(reply="This recommendation is already recorded.", changed=False)
    checked = check_recommend(work, actor, "", ref=ref, national=national)
    if not isinstance(checked, Done):
        return checked
    text = clean(text)
    errors = dict(action) if isinstance(action, dict) else {}
    if problem := rules.text_problem(text, "recommendation", rules.TEXT_MAX):
        errors["text"] = problem
    if errors:
        return Invalid(errors)
    assert isinstance(action, ActionDraft)
    case = repositories.case_by_ref(work.session, ref, lock=True) if ref else None
    entry = _national_entry(work, checked.data["national"]) if case is None else None
    number = repositories.next_recommendation_number(
        work.session, case.id if case else None, entry.id if entry else None
    )
    recommendation = Recommendation(
        request_key=request_key,
        case=case,
        library_entry=entry,
        number=number,
        text=text,
        created_by=actor,
        created_at=work.now,
    )
    work.session.add(recommendation)
    work.session.flush()
    work.audit(actor, "recommended_action_plan", case, recommendation=recommendation.id, number=number)
    _add(work, actor, recommendation, action, f"{request_key}|action")
    return Done(reply=f"Recorded recommendation {number} for {checked.data['about']}, with its first action.")


def _recommendation(work: Work, actor: str, recommendation_id: int) -> Recommendation | Refused:
    if not permissions.may_manage(actor, work.partnership):
        return not_allowed("Only the PPRG chair or business manager can record recommendations and actions.")
    found = repositories.recommendation(work.session, recommendation_id, lock=True)
    if found is None:
        return Refused("That recommendation no longer exists.")
    return found


@read_only
def check_add_action(work: Work, actor: str, recommendation_id: int) -> Outcome:
    found = _recommendation(work, actor, recommendation_id)
    if isinstance(found, Refused):
        return found
    return Done(changed=False, data={"number": found.number, "about": cards.plan_subject(found)})


def add_action(
    work: Work, actor: str, request_key: str, recommendation_id: int, action: ActionDraft | dict[str, str]
) -> Outcome:
    if repositories.action_by_request(work.session, request_key) is not None:
        return Done(reply="This action is already recorded.", changed=False)
    found = _recommendation(work, actor, recommendation_id)
    if isinstance(found, Refused):
        return found
    if isinstance(action, dict):
        return Invalid(action)
    if len(found.actions) >= rules.ACTIONS_MAX:
        return Refused(f"A recommendation has at most {rules.ACTIONS_MAX} actions.")
    added = _add(work, actor, found, action, request_key)
    return Done(reply=f"Added action {found.number}.{added.number} for {cards.plan_subject(found)}.")


def _add(work: Work, actor: str, recommendation: Recommendation, draft: ActionDraft, request_key: str) -> Action:
    action = Action(
        request_key=request_key,
        number=len(recommendation.actions) + 1,
        agency_key=draft.agency,
        owner=draft.owner,
        due_on=draft.due_on,
        measure=draft.measure or None,
        state="open",
        created_by=actor,
        created_at=work.now,
    )
    recommendation.actions.append(action)
    work.session.flush()
    work.audit(
        actor,
        "action_assigned",
        recommendation.case,
        action_id=action.id,
        agency=draft.agency,
        owner=draft.owner,
        due_on=draft.due_on.isoformat(),
    )
    # The owner's own card, by direct message: the assignment, and where they report on it.
    work.refresh(recommendation.case, cards.action_kind(action.id), destination=action.owner)
    _changed(work, recommendation, action)
    return action


def _changed(work: Work, recommendation: Recommendation, action: Action) -> None:
    work.refresh(
        recommendation.case, cards.recommendation_kind(recommendation.id), destination=where(work, recommendation)
    )
    work.refresh(recommendation.case, cards.action_kind(action.id))
    work.homes_changed([action.owner, *work.partnership.chairs, *work.partnership.business_managers])


def where(work: Work, recommendation: Recommendation) -> str:
    """A recommendation's card goes to its case channel while it is open, else the PPRG channel."""
    case = recommendation.case
    if case is not None and case.channel_id and case.stage != Stage.CLOSED and case.channel_archived_at is None:
        return case.channel_id
    return work.partnership.pprg_channel


# -- an action's life -------------------------------------------------------------------------------

OWNER_STEPS = ("progress", "completed")
MANAGER_STEPS = ("signed_off", "reopened")


# The states each step may be taken from.
_FROM = {
    "progress": ("open",),
    "completed": ("open",),
    "signed_off": ("completed",),
    "reopened": ("completed", "signed_off"),
}


def _action_for(work: Work, actor: str, action_id: int, step: str) -> Action | Refused:
    action = repositories.action(work.session, action_id, lock=True)
    if action is None:
        return Refused("That action no longer exists.")
    name = cards.action_label(action)
    if step in OWNER_STEPS and actor != action.owner:
        return not_allowed(f"Only the owner of {name} can report on it.")
    if step in MANAGER_STEPS and not permissions.may_manage(actor, work.partnership):
        return not_allowed(f"Only the PPRG chair or business manager can sign off or reopen {name}.")
    if action.state not in _FROM[step]:
        return Refused(f"{_sentence(name)} is {rules.STATES[action.state].lower()}.")
    return action


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


@read_only
def check_step(work: Work, actor: str, action_id: int, step: str) -> Outcome:
    action = _action_for(work, actor, action_id, step)
    if isinstance(action, Refused):
        return action
    return Done(changed=False, data={"label": cards.action_label(action)})


def report(work: Work, actor: str, request_key: str, action_id: int, step: str, note: str, link: str = "") -> Outcome:
    """Progress or completion by the owner, or reopening by the PPRG: each with its note."""
    if repositories.action_update(work.session, request_key) is not None:
        return Done(reply="Already recorded.", changed=False)
    action = _action_for(work, actor, action_id, step)
    if isinstance(action, Refused):
        return action
    note, link = clean(note), clean(link)
    errors = {}
    what = {"progress": "progress note", "completed": "note on what was done", "reopened": "reason for reopening"}[step]
    if problem := rules.text_problem(note, what, rules.NOTE_MAX):
        errors["note"] = problem
    if step == "completed" and (problem := rules.evidence_problem(link)):
        errors["link"] = problem
    if errors:
        return Invalid(errors)
    action.updates.append(
        ActionUpdate(request_key=request_key, kind=step, note=note, link=link or None, by=actor, at=work.now)
    )
    if step == "completed":
        action.state, action.completed_at = "completed", work.now
    elif step == "reopened":
        action.state, action.completed_at, action.signed_off_by, action.signed_off_at = "open", None, None, None
    work.session.flush()
    work.audit(actor, f"action_{step}", action.recommendation.case, action_id=action.id)
    _changed(work, action.recommendation, action)
    if step == "completed":
        work.notify(
            f"action|{action.id}|completed|{request_key}",
            where(work, action.recommendation),
            work.render("action_completed", action=action, label=cards.action_label(action), by=actor),
            action.recommendation.case,
        )
    elif step == "reopened":
        work.notify(
            f"action|{action.id}|reopened|{request_key}",
            action.owner,
            work.render("action_reopened", action=action, label=cards.action_label(action), by=actor, reason=note),
            action.recommendation.case,
        )
    done = {"progress": "Recorded progress on", "completed": "Marked complete:", "reopened": "Reopened"}[step]
    return Done(reply=f"{done} {cards.action_label(action)}.")


def sign_off(work: Work, actor: str, action_id: int) -> Outcome:
    action = _action_for(work, actor, action_id, "signed_off")
    if isinstance(action, Refused):
        found = repositories.action(work.session, action_id)
        if found is not None and found.state == "signed_off" and permissions.may_manage(actor, work.partnership):
            return Done(reply=f"{_sentence(cards.action_label(found))} is already signed off.", changed=False)
        return action
    action.state, action.signed_off_by, action.signed_off_at = "signed_off", actor, work.now
    action.updates.append(ActionUpdate(kind="signed_off", by=actor, at=work.now))
    work.session.flush()
    work.audit(actor, "action_signed_off", action.recommendation.case, action_id=action.id)
    _changed(work, action.recommendation, action)
    return Done(reply=f"Signed off {cards.action_label(action)}.")

"""The Panel's answer to a rapid review: recorded once, and what follows from it."""

from __future__ import annotations

from datetime import date

from bot.delivery import cards
from bot.desk import read_only
from bot.free_text import clean
from bot.outcomes import Done, Invalid, Outcome, Refused, not_allowed
from bot.review import panel, permissions
from bot.review.stages import Stage
from bot.usecases import local_reviews
from bot.work import Work
from messages.wording import day
from storage import repositories
from storage.models import Case, PanelAnswer


def _awaiting(work: Work, actor: str, ref: str) -> Case | Refused:
    if not permissions.may_manage(actor, work.partnership):
        return not_allowed("Only the PPRG chair or business manager can record the Panel's answer.")
    case = repositories.case_by_ref(work.session, ref, lock=True)
    if case is None:
        return Refused(f"There is no case {ref}.")
    if case.panel_answer is not None:
        answer = panel.ANSWERS[case.panel_answer.answer].lower()
        return Refused(f"The Panel's answer on {case.ref} is already recorded: {answer}.")
    if case.sent_to_panel_on is None or case.stage not in (Stage.AWAITING_PANEL, Stage.LOCAL_REVIEW):
        return Refused(f"{case.ref} is not waiting for the Panel's answer.")
    return case


@read_only
def check_answer(work: Work, actor: str, ref: str) -> Outcome:
    case = _awaiting(work, actor, ref)
    if isinstance(case, Refused):
        return case
    return Done(changed=False, data={"ref": case.ref})


def record_answer(work: Work, actor: str, ref: str, answer: str, answered_on: date, note: str) -> Outcome:
    case = _awaiting(work, actor, ref)
    if isinstance(case, Refused):
        return case
    if answer not in panel.ANSWERS:
        return Refused("That is not one of the Panel's answers.")
    assert case.sent_to_panel_on is not None
    errors = {}
    if answered_on > work.today:
        errors["answered_on"] = "The date cannot be in the future."
    elif answered_on < case.sent_to_panel_on:
        errors["answered_on"] = (
            f"The Panel cannot have answered before the review was sent ({day(case.sent_to_panel_on)})."
        )
    note = clean(note)
    if answer == "other" and not note:
        errors["note"] = "Say what the Panel answered."
    elif len(note) > panel.NOTE_MAX:
        errors["note"] = f"Keep the note within {panel.NOTE_MAX} characters."
    if errors:
        return Invalid(errors)
    case.panel_answer = PanelAnswer(
        answer=answer, note=note or None, answered_on=answered_on, recorded_by=actor, recorded_at=work.now
    )
    stage = panel.after_answer(Stage(case.stage), answer)
    work.audit(actor, "panel_answered", case, answer=answer, answered_on=answered_on.isoformat())
    if stage is Stage.LOCAL_REVIEW and case.local_review is None:
        local_reviews.start(work, case, answered_on, "panel", actor)
    case.stage = stage
    message = work.render("panel_answered", case=case, label=panel.ANSWERS[answer], answered_on=answered_on, by=actor)
    work.notify(f"{case.ref}|panel-answer|pprg", work.partnership.pprg_channel, message, case)
    if case.channel_id and case.channel_archived_at is None:
        work.notify(f"{case.ref}|panel-answer|case", case.channel_id, message, case)
    work.refresh(case, cards.CASE)
    work.refresh(case, cards.TRIAGE)
    return Done(reply=f"Recorded the Panel's answer on {case.ref}: {panel.ANSWERS[answer].lower()}.")

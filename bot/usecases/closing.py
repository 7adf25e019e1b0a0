"""Closing a case: a closing summary, every reminder stopped, the channel archived."""

from __future__ import annotations

from bot.delivery import cards
from bot.desk import read_only
from bot.free_text import clean
from bot.outcomes import Done, Invalid, Outcome, Refused, not_allowed
from bot.review import local_review, permissions
from bot.review.local_review import NOT_PUBLISHED
from bot.review.stages import CLOSABLE_STAGES, STAGE_LABELS, Stage
from bot.usecases import local_reviews
from bot.work import Work
from storage import repositories
from storage.models import Case

NOTE_MAX = 1000


def _closable(work: Work, actor: str, channel_id: str, ref: str | None) -> Case | Refused:
    if not permissions.may_decide(actor, work.partnership):
        return not_allowed("Only the PPRG chair can close a case.")
    found = (
        repositories.case_by_ref(work.session, ref) if ref else repositories.case_by_channel(work.session, channel_id)
    )
    if found is None:
        return Refused(f"There is no case {ref}." if ref else "Run /cspr close in the case's channel.")
    case = repositories.case_by_id(work.session, found.id, lock=True)
    assert case is not None
    if case.stage == Stage.CLOSED:
        return Refused(f"{case.ref} is already closed.")
    if Stage(case.stage) not in CLOSABLE_STAGES:
        return Refused(
            f"{case.ref} can be closed once the decision is final: it is at {STAGE_LABELS[Stage(case.stage)].lower()}."
        )
    review = case.local_review
    if review is not None and not local_review.settled(review.publication, local_reviews.recorded(case)):
        return Refused(
            f"A local CSPR is closed once it is published (`/cspr milestone published`) or the decision not to "
            f"publish it is recorded (`/cspr milestone {NOT_PUBLISHED}`): {case.ref} is neither yet."
        )
    return case


@read_only
def check_close(work: Work, actor: str, channel_id: str, ref: str | None = None) -> Outcome:
    case = _closable(work, actor, channel_id, ref)
    if isinstance(case, Refused):
        return case
    return Done(changed=False, data={"ref": case.ref})


def close(work: Work, actor: str, ref: str, note: str) -> Outcome:
    case = _closable(work, actor, "", ref)
    if isinstance(case, Refused):
        return case
    note = clean(note)
    if not note:
        return Invalid({"note": "Write a short closing note: what was done and where the records are."})
    if len(note) > NOTE_MAX:
        return Invalid({"note": f"Keep the note within {NOTE_MAX} characters."})
    case.stage = Stage.CLOSED
    case.closed_at = work.now
    case.closed_reason = "closed"
    case.closure_note = note
    work.audit(actor, "closed", case)
    facts = cards.case_facts(case, work.partnership, work.calendar, work.today)
    # The closing note is free text about the case: it stays in the case's own channel.
    work.notify(
        f"{case.ref}|closed|pprg",
        work.partnership.pprg_channel,
        work.render("closing_summary", note=None, by=actor, **facts),
        case,
    )
    if case.channel_id and case.channel_archived_at is None:
        work.notify(
            f"{case.ref}|closed|case",
            case.channel_id,
            work.render("closing_summary", note=note, by=actor, **facts),
            case,
        )
        work.archive_channel(f"{case.ref}|archive", case)
    for kind in (cards.CASE, cards.TRIAGE, cards.DECISION):
        work.refresh(case, kind)
    return Done(reply=f"Closed {case.ref}. Its channel is archived once the closing summary is posted.")

"""Retention: a long-closed case keeps its dates, decisions and audit trail, but not the
identifiable free text (initials or pseudonym, summary, reasons, questions, comments, rationale)."""

from __future__ import annotations

from datetime import datetime

from bot.delivery import cards
from bot.outcomes import Done, Outcome
from bot.review.stages import Stage
from bot.work import Work
from storage import repositories

FREE_TEXT = (
    "child identifier",
    "summary",
    "reason or closing note",
    "questions",
    "sign-off comments",
    "rationale",
    "the Panel's answer note",
    "reasons not to publish",
    "sent messages",
)


def apply_retention(work: Work, actor: str, closed_before: datetime) -> Outcome:
    removed = []
    for case in repositories.closed_unredacted(work.session, Stage.CLOSED.value, closed_before):
        case.child_identifier = None
        case.summary = None
        case.closure_note = None
        for request in case.info_requests:
            request.question = None
        for signoff in case.signoffs:
            signoff.comment = None
        if case.decision is not None:
            case.decision.rationale = None
        if case.panel_answer is not None:
            case.panel_answer.note = None
        if case.local_review is not None:
            case.local_review.publication_reasons = None
        # Rendered copies of those texts sit in the outbox's sent messages.
        scrubbed = repositories.scrub_outbox(work.session, case.id)
        case.redacted_at = work.now
        work.audit(actor, "retention_applied", case, closed_at=case.closed_at.isoformat(), messages_scrubbed=scrubbed)
        # Cards in Slack that showed a reason or rationale are re-rendered without it.
        for kind in (cards.TRIAGE, cards.CASE, cards.DECISION):
            work.refresh(case, kind)
        removed.append(case.ref)
    return Done(changed=bool(removed), data={"cases": removed})

"""Retention: a long-closed case keeps its dates, decisions and audit trail, but not the
identifiable free text (initials or pseudonym, summary, reasons, questions, comments, rationale)."""

from __future__ import annotations

from datetime import datetime

from bot.delivery import cards
from bot.outcomes import Done, Outcome
from bot.review.stages import Stage
from bot.work import Work
from storage import repositories

FREE_TEXT = ("child identifier", "summary", "reason", "questions", "sign-off comments", "rationale", "sent messages")


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
        # Rendered copies of those texts sit in the outbox's sent messages.
        scrubbed = repositories.scrub_outbox(work.session, case.id)
        case.redacted_at = work.now
        work.audit(actor, "retention_applied", case, closed_at=case.closed_at.isoformat(), messages_scrubbed=scrubbed)
        # Cards in Slack that showed a reason or rationale are re-rendered without it.
        for kind in (cards.TRIAGE, cards.CASE, cards.DECISION):
            work.refresh(case, kind)
        removed.append(case.ref)
    return Done(changed=bool(removed), data={"cases": removed})

"""A case's timeline for the Panel, an inspection or the partnership's records."""

from __future__ import annotations

from bot.outcomes import Done, Outcome, Refused
from bot.reporting import timeline
from bot.work import Work
from storage import repositories


def case_timeline(work: Work, actor: str, ref: str, include_identifiers: bool) -> Outcome:
    """The case's steps from the audit trail. With the child's identifier and the free text, the
    export is itself written to the audit trail: who took identifiable details out, and when."""
    case = repositories.case_by_ref(work.session, ref)
    if case is None:
        return Refused(f"there is no case {ref}")
    found = timeline.steps(
        repositories.audit_of_case(work.session, case.id),
        case,
        work.partnership,
        include_identifiers=include_identifiers,
    )
    if include_identifiers:
        work.audit(actor, "timeline_exported", case, with_identifiers=True)
    return Done(changed=include_identifiers, data={"ref": case.ref, "steps": found})

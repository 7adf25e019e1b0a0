"""Read-only questions: a case's card, the list of open cases."""

from __future__ import annotations

from typing import Any

from bot import cards, permissions
from bot.outcomes import Done, Outcome, Refused, not_allowed
from bot.partnership import PARTNER_NAMES
from bot.review import NOTIFICATION_STAGES, OPEN_STAGES, STAGE_LABELS, Stage
from bot.work import Work
from storage import repositories


def case_status(work: Work, actor: str, channel_id: str, ref: str | None) -> Outcome:
    """The case card, for the case of this channel (or the one named)."""
    case = (
        repositories.case_by_ref(work.session, ref)
        if ref
        else repositories.case_by_channel(work.session, channel_id)
    )
    if case is None:
        if ref:
            return Refused(f"There is no case {ref}.")
        return Refused("Run /cspr status in a case channel, or name the case: /cspr status 2026-004.")
    if not permissions.may_see_case(actor, work.partnership, [link.agency_key for link in case.agencies]):
        return not_allowed(f"You are not part of case {case.ref}.")
    kind = cards.TRIAGE if case.channel_id is None else cards.CASE
    card = cards.render_card(kind, case, work.partnership, work.calendar, work.today)
    return Done(changed=False, data={"message": card})


def open_cases(work: Work, actor: str) -> Outcome:
    if not permissions.may_list_cases(actor, work.partnership):
        return not_allowed("Only people named in the partnership file can list cases.")
    rows: list[dict[str, Any]] = []
    for case in repositories.cases_in(work.session, tuple(s.value for s in OPEN_STAGES)):
        stage = Stage(case.stage)
        if stage in NOTIFICATION_STAGES:
            deadline, due = "notification", case.notification_due
        elif case.review_due is not None and stage != Stage.LOCAL_REVIEW:
            deadline, due = "rapid review", case.review_due
        else:
            deadline, due = None, None
        rows.append(
            {
                "ref": case.ref,
                "stage": STAGE_LABELS[stage],
                "channel": case.channel_id,
                "deadline": deadline,
                "due": due,
                "left": work.calendar.days_left(work.today, due) if due else None,
            }
        )
    return Done(changed=False, data={"cases": rows})


def home(work: Work, actor: str) -> Outcome:
    """What this person is, and what is waiting for them, for the App Home tab."""
    partnership = work.partnership
    roles = []
    if actor in partnership.chairs:
        roles.append("PPRG chair")
    if actor in partnership.business_managers:
        roles.append("PPRG business manager")
    roles += [f"lead for {a.name}" for a in partnership.agencies if actor in a.leads]
    roles += [f"delegated safeguarding partner for the {PARTNER_NAMES[r]}" for r in permissions.partner_roles(actor, partnership)]
    todo: list[dict[str, Any]] = []
    for case in repositories.cases_in(work.session, tuple(s.value for s in OPEN_STAGES)):
        involved = [link.agency_key for link in case.agencies]
        signed = [s.agency_key for s in case.signoffs]
        stage = Stage(case.stage)
        item = {"ref": case.ref, "channel": case.channel_id, "due": None, "left": None}
        if stage in NOTIFICATION_STAGES:
            item.update(due=case.notification_due, left=work.calendar.days_left(work.today, case.notification_due))
        elif case.review_due is not None:
            item.update(due=case.review_due, left=work.calendar.days_left(work.today, case.review_due))
        if stage == Stage.REFERRED and permissions.may_triage(actor, partnership):
            todo.append({**item, "what": "triage the referral"})
        elif stage == Stage.RAPID_REVIEW:
            for key in permissions.agencies_to_sign(actor, partnership, involved, signed):
                todo.append({**item, "what": f"sign off for {partnership.agency_name(key)}"})
            if len(signed) == len(involved) and permissions.may_decide(actor, partnership):
                todo.append({**item, "what": "record the PPRG recommendation"})
        elif stage == Stage.AWAITING_ENDORSEMENT and case.decision is not None:
            done = {e.partner for e in case.decision.endorsements}
            if any(role not in done for role in permissions.partner_roles(actor, partnership)):
                todo.append({**item, "what": "endorse the PPRG recommendation (see your direct messages)"})
        elif stage == Stage.DECIDED and permissions.may_triage(actor, partnership):
            todo.append({**item, "what": "send the rapid review to the Panel and mark it sent"})
    return Done(changed=False, data={"roles": roles, "todo": todo})

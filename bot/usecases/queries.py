"""Read-only questions: a case's card, the list of open cases, what is waiting for someone."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.delivery import cards
from bot.desk import read_only
from bot.outcomes import Done, Outcome, Refused, not_allowed
from bot.partnership import PARTNER_NAMES
from bot.review import permissions
from bot.review.outstanding import waiting_on
from bot.review.stages import NOTIFICATION_STAGES, OPEN_STAGES, REVIEW_STAGES, STAGE_LABELS, Stage
from bot.work import Work
from storage import repositories
from storage.models import Case


def deadline(case: Case) -> date | None:
    """The date a case is working towards now: the notification, then the rapid review."""
    stage = Stage(case.stage)
    if stage in NOTIFICATION_STAGES:
        return case.notification_due
    if stage in REVIEW_STAGES:
        return case.review_due
    return None


@read_only
def case_status(work: Work, actor: str, channel_id: str, ref: str | None) -> Outcome:
    """The case card, for the case of this channel (or the one named)."""
    if not permissions.may_list_cases(actor, work.partnership):
        return not_allowed("Only people named in the partnership file can see cases.")
    case = (
        repositories.case_by_ref(work.session, ref) if ref else repositories.case_by_channel(work.session, channel_id)
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


@read_only
def open_cases(work: Work, actor: str) -> Outcome:
    if not permissions.may_list_cases(actor, work.partnership):
        return not_allowed("Only people named in the partnership file can list cases.")
    rows: list[dict[str, Any]] = []
    for case in repositories.cases_in(work.session, tuple(s.value for s in OPEN_STAGES)):
        stage = Stage(case.stage)
        due = deadline(case)
        rows.append(
            {
                "ref": case.ref,
                "stage": STAGE_LABELS[stage],
                "channel": case.channel_id,
                "deadline": "notification" if stage in NOTIFICATION_STAGES else "rapid review",
                "due": due,
                "left": work.calendar.days_left(work.today, due) if due else None,
            }
        )
    return Done(changed=False, data={"cases": rows})


@read_only
def home(work: Work, actor: str) -> Outcome:
    """What this person is, and what is waiting for them, for the App Home tab."""
    partnership = work.partnership
    roles = []
    if actor in partnership.chairs:
        roles.append("PPRG chair")
    if actor in partnership.business_managers:
        roles.append("PPRG business manager")
    roles += [f"lead for {a.name}" for a in partnership.agencies if actor in a.leads]
    roles += [
        f"delegated safeguarding partner for the {PARTNER_NAMES[r]}"
        for r in permissions.partner_roles(actor, partnership)
    ]
    todo: list[dict[str, Any]] = []
    for case in repositories.cases_in(work.session, tuple(s.value for s in OPEN_STAGES)):
        due = deadline(case)
        for waiting in waiting_on(case, partnership):
            if actor in waiting.people:
                todo.append(
                    {
                        "ref": case.ref,
                        "channel": case.channel_id,
                        "what": waiting.task,
                        "due": due,
                        "left": work.calendar.days_left(work.today, due) if due else None,
                    }
                )
    return Done(changed=False, data={"roles": roles, "todo": todo})

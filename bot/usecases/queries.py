"""Read-only questions: a case's card, the list of open cases, what is waiting for someone."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.delivery import cards
from bot.desk import read_only
from bot.outcomes import Done, Outcome, Refused, not_allowed
from bot.review import local_review, permissions
from bot.review.stages import NOTIFICATION_STAGES, OPEN_STAGES, REVIEW_STAGES, STAGE_LABELS, Stage
from bot.work import Work
from bot.working_days import WorkingCalendar
from messages.wording import days_left
from storage import repositories
from storage.models import Case

# A list of cases shows this many and counts the rest: with its heading, within Slack's 50 blocks.
LISTED = 45


def countdown(case: Case, calendar: WorkingCalendar, today: date) -> dict[str, Any]:
    """The deadline a case is working towards now, for lists and digests: the notification, the
    rapid review, then a local CSPR's publication target; empty once nothing is counting down."""
    stage = Stage(case.stage)
    if stage in NOTIFICATION_STAGES or stage in REVIEW_STAGES:
        due = case.notification_due if stage in NOTIFICATION_STAGES else case.review_due
        assert due is not None
        left = calendar.days_left(today, due)
        name = "notification due" if stage in NOTIFICATION_STAGES else "rapid review due"
        return {"deadline": name, "due": due, "left": days_left(left), "late": left < 0}
    review = case.local_review
    done = [milestone.key for milestone in case.milestones]
    if stage is Stage.LOCAL_REVIEW and review is not None and not local_review.settled(review.publication, done):
        target = local_review.target(review.decided_on)
        return {
            "deadline": "publication target",
            "due": target,
            "left": local_review.time_left(today, target),
            "late": today > target,
        }
    return {"deadline": None, "due": None, "left": None, "late": False}


def by_urgency(row: dict[str, Any]) -> tuple:
    """Overdue first, then the nearest deadline; cases with no deadline last."""
    return (not row["late"], row["due"] is None, row["due"] or date.max, row["ref"])


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
    readonly = permissions.is_scrutineer(actor, work.partnership)
    card = cards.render_card(kind, case, work.partnership, work.calendar, work.today, readonly=readonly)
    return Done(changed=False, data={"message": card})


@read_only
def open_cases(work: Work, actor: str) -> Outcome:
    """The first LISTED open cases, oldest first, and how many there are in all."""
    if not permissions.may_list_cases(actor, work.partnership):
        return not_allowed("Only people named in the partnership file can list cases.")
    stages = tuple(s.value for s in OPEN_STAGES)
    rows: list[dict[str, Any]] = []
    for case in repositories.case_countdowns(work.session, stages, LISTED):
        stage = Stage(case.stage)
        rows.append(
            {
                "ref": case.ref,
                "stage": STAGE_LABELS[stage],
                "channel": case.channel_id,
                **countdown(case, work.calendar, work.today),
            }
        )
    return Done(changed=False, data={"cases": rows, "total": repositories.count_cases_in(work.session, stages)})

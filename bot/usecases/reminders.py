"""Time-driven notices, each queued in the transaction that claims its slot in the ledger."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from bot.delivery import cards
from bot.learning.actions import overdue
from bot.review.local_review import MILESTONES, next_milestone
from bot.review.outstanding import summary, waiting_on
from bot.review.stages import OPEN_STAGES, STAGE_LABELS, Stage
from bot.review.timetable import (
    ACTION_OVERDUE,
    COUNTDOWN,
    NOTIFICATION,
    NOTIFICATION_OVERDUE,
    OVERDUE,
    PANEL_CHASE,
    PUBLISHABLE,
    REMINDER,
    REVIEW_OVERDUE,
    REVIEW_REMINDER,
    Due,
)
from bot.usecases.queries import by_urgency, countdown
from bot.work import BOT, Work
from messages.renderer import DIGEST_ROWS
from storage import repositories
from storage.models import Action, Case


def _end_of_today(work: Work) -> datetime:
    """A daily notice that could not go out today is not worth sending tomorrow."""
    tomorrow = work.today + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=work.partnership.timezone)


def for_case(work: Work, case: Case, due: Due, claim_key: str) -> None:
    """Queue what `due` asks for. The caller has just claimed `claim_key`."""
    if due.kind == COUNTDOWN:
        work.refresh(case, cards.CASE)
        return
    waiting = waiting_on(case, work.partnership)
    values: dict[str, Any] = {
        "case": case,
        "days_left": due.days_left,
        "waiting": waiting,
        "partnership": work.partnership,
    }
    channel_open = case.channel_id and case.channel_archived_at is None
    expires = _end_of_today(work)
    if due.kind == REMINDER:
        everyone = list(dict.fromkeys(p for w in waiting for p in w.people))
        if channel_open:
            work.notify(
                f"{claim_key}|channel",
                case.channel_id,
                work.render("reminder", **values),
                case,
                while_stage=case.stage,
                while_waiting=everyone,
                expires_at=expires,
            )
        if due.days_left <= work.partnership.reminders.dm_from_days_left:
            for person in dict.fromkeys(p for w in waiting if w.kind in ("signoff", "endorsement") for p in w.people):
                tasks = [w.task for w in waiting if person in w.people]
                work.notify(
                    f"{claim_key}|dm|{person}",
                    person,
                    work.render("reminder_dm", tasks=tasks, **values),
                    case,
                    while_stage=case.stage,
                    while_waiting=[person],
                    expires_at=expires,
                )
    elif due.kind == OVERDUE:
        message = work.render("overdue", **values)
        if channel_open:
            work.notify(
                f"{claim_key}|channel", case.channel_id, message, case, while_stage=case.stage, expires_at=expires
            )
        work.notify(
            f"{claim_key}|pprg",
            work.partnership.pprg_channel,
            message,
            case,
            while_stage=case.stage,
            expires_at=expires,
        )
    elif due.kind in (NOTIFICATION, NOTIFICATION_OVERDUE):
        work.notify(
            f"{claim_key}|pprg",
            work.partnership.pprg_channel,
            work.render("notification_reminder", **values),
            case,
            while_stage=case.stage,
            expires_at=expires,
        )
    elif due.kind in (REVIEW_REMINDER, REVIEW_OVERDUE) and channel_open:
        facts = cards.case_facts(case, work.partnership, work.calendar, work.today)
        message = work.render("review_reminder", overdue=due.kind == REVIEW_OVERDUE, **facts)
        work.notify(f"{claim_key}|channel", case.channel_id, message, case, while_stage=case.stage, expires_at=expires)
    elif due.kind in (PANEL_CHASE, PUBLISHABLE):
        facts = cards.case_facts(case, work.partnership, work.calendar, work.today)
        message = work.render("panel_chase" if due.kind == PANEL_CHASE else "publishable", **facts)
        for chair in work.partnership.chairs:
            work.notify(f"{claim_key}|dm|{chair}", chair, message, case, while_stage=case.stage, expires_at=expires)
    work.audit(BOT, f"{due.kind}_queued", case, slot=due.slot, days_left=due.days_left)


def for_action(work: Work, action: Action, due: Due, claim_key: str) -> None:
    """An owner's reminder of their action, by direct message, while it is still open that day."""
    message = work.render(
        "action_reminder",
        action=action,
        label=cards.action_label(action),
        overdue=due.kind == ACTION_OVERDUE,
        days_left=due.days_left,
    )
    work.notify(f"{claim_key}|dm", action.owner, message, action.recommendation.case, expires_at=_end_of_today(work))
    work.audit(BOT, f"{due.kind}_queued", action.recommendation.case, action_id=action.id, slot=due.slot)


def digest(work: Work, day: date, claim_key: str) -> None:
    """The PPRG's daily digest (case references and statuses only) and each person's own list."""
    rows = []
    personal: dict[str, list[dict[str, Any]]] = {}
    for case in repositories.cases_in(work.session, tuple(s.value for s in OPEN_STAGES)):
        clock = countdown(case, work.calendar, day)
        waiting = waiting_on(case, work.partnership)
        stage = Stage(case.stage)
        rows.append(
            {
                "ref": case.ref,
                "stage": stage.value,
                "stage_label": STAGE_LABELS[stage],
                "waiting": summary(waiting),
                "next": MILESTONES.get(next_milestone([m.key for m in case.milestones]) or "", "")
                if case.local_review and clock["due"]
                else "",
                **clock,
            }
        )
        for item in waiting:
            if item.kind in ("signoff", "endorsement"):
                for person in item.people:
                    personal.setdefault(person, []).append(
                        {"ref": case.ref, "task": item.task, "channel": case.channel_id, **clock}
                    )
    rows.sort(key=by_urgency)
    counts = {
        "open": len(rows),
        "overdue": sum(1 for row in rows if row["late"]),
        "triage": sum(1 for row in rows if row["stage"] == Stage.REFERRED.value),
    }
    expires = _end_of_today(work)
    late = [
        {
            "label": cards.action_label(action),
            "agency": work.partnership.agency_name(action.agency_key),
            "action": action,
        }
        for action in repositories.actions_in(work.session, ("open",))
        if overdue(action.state, action.due_on, day)
    ]
    # Every case is listed, overdue first, in as many messages as the platform's limits need.
    size = DIGEST_ROWS[work.partnership.platform]
    starts = range(0, len(rows), size) or range(1)
    for number, start in enumerate(starts, 1):
        work.notify(
            f"{claim_key}|pprg" + (f"|{number}" if number > 1 else ""),
            work.partnership.pprg_channel,
            work.render(
                "digest",
                day=day,
                rows=rows[start : start + size],
                first=start + 1,
                part=number,
                parts=len(starts),
                counts=counts,
                late_actions=late if number == 1 else [],
            ),
            expires_at=expires,
        )
    for person, items in personal.items():
        work.notify(
            f"{claim_key}|dm|{person}", person, work.render("personal_digest", day=day, items=items), expires_at=expires
        )
    work.audit(BOT, "digest_queued", None, day=day.isoformat(), cases=len(rows), people=len(personal))


def channel_archived(work: Work, case: Case) -> None:
    """Someone archived a case channel by hand: stop posting there and tell the chairs, once."""
    if case.channel_archived_at is not None:
        return
    case.channel_archived_at = work.now
    work.audit(BOT, "channel_archived", case, channel=case.channel_id)
    for chair in work.partnership.chairs:
        work.notify(f"{case.ref}|channel-archived|{chair}", chair, work.render("channel_archived", case=case), case)

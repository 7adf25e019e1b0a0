"""What follows Slack's answer to making a case's private channel."""

from __future__ import annotations

from bot.delivery import cards
from bot.outcomes import Done, Outcome
from bot.review import permissions
from bot.review.stages import Stage
from bot.review.timetable import COUNTDOWN, claim_key
from bot.work import Work
from storage import repositories
from storage.models import Case


def channel_name(prefix: str, ref: str, attempt: int) -> str:
    """`rr-2026-004`, then `rr-2026-004-2`, ... when a name is taken. Only the case reference
    ever goes into the name: never initials, dates of birth or anything from the summary."""
    base = f"{prefix}-{ref}"
    return base if attempt == 1 else f"{base}-{attempt}"


def channel_opened(work: Work, case: Case, channel_id: str, name: str, started_by: str) -> None:
    case.channel_id = channel_id
    case.channel_name = name
    case.stage = Stage.RAPID_REVIEW
    work.audit(started_by, "channel_created", case, channel=channel_id, name=name)
    members = permissions.case_channel_members(work.partnership, [link.agency_key for link in case.agencies])
    work.invite(f"{case.ref}|invite|opening", case, members)
    work.refresh(case, cards.CASE, destination=channel_id, pin=True)
    work.refresh(case, cards.TRIAGE)
    # The card is posted fresh today: the daily countdown edit starts tomorrow.
    work.claim(claim_key(case.ref, COUNTDOWN, work.today.isoformat()), COUNTDOWN, case)


def channel_failed(work: Work, case: Case, error: str, started_by: str, attempt_key: str) -> None:
    """Slack refused a private channel. Make none (never a public one), put the case back to
    triage so *Start rapid review* can be pressed again, and tell the person who pressed it."""
    case.stage = Stage.REFERRED
    work.audit(started_by, "channel_failed", case, error=error)
    work.refresh(case, cards.TRIAGE)
    work.notify(
        f"{attempt_key}|failed",
        started_by,
        work.render("channel_failed", case=case, error=error),
        case,
    )


def member_joined(work: Work, actor: str, channel_id: str, bot_user: str) -> Outcome:
    """Someone joined a case channel. A person the partnership file does not name for a case
    channel (scrutineers included) is reported in the channel, naming them and the chairs, once
    per person and case."""
    case = repositories.case_by_channel(work.session, channel_id)
    if case is None or actor == bot_user or actor in work.partnership.case_people():
        return Done(changed=False)
    if not work.claim(f"{case.ref}|stranger|{actor}", "stranger", case):
        return Done(changed=False)
    work.audit(actor, "stranger_joined", case, channel=channel_id)
    work.notify(
        f"{case.ref}|stranger|{actor}",
        channel_id,
        work.render("stranger_joined", case=case, user=actor, chairs=work.partnership.chairs),
        case,
    )
    return Done()

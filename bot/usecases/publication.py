"""Publishing a review's learning: its material attached once, corrected in place, and added to
the learning library."""

from __future__ import annotations

from bot.delivery import cards
from bot.desk import read_only
from bot.learning.briefing import Briefing
from bot.learning.entries import case_key
from bot.learning.search import terms
from bot.outcomes import Done, Invalid, Outcome, Refused, not_allowed
from bot.review import permissions
from bot.review.stages import Stage
from bot.usecases import local_reviews
from bot.work import Work
from messages.wording import day
from storage import repositories
from storage.models import Case, LibraryEntry


def review_type(case: Case) -> str | None:
    """What the library calls this case's review, or None if it has no learning to publish:
    a local CSPR, another learning review, or a referral closed with local learning."""
    if case.local_review is not None:
        return "LCSPR"
    if case.decision is not None and case.decision.outcome == "other_learning_review":
        return "learning review"
    if case.closed_reason == "criteria_not_met":
        return "learning review"
    return None


def _publishable(work: Work, actor: str, channel_id: str, ref: str | None) -> Case | Refused:
    if not permissions.may_manage(actor, work.partnership):
        return not_allowed("Only the PPRG chair or business manager can publish a review's material.")
    found = (
        repositories.case_by_ref(work.session, ref) if ref else repositories.case_by_channel(work.session, channel_id)
    )
    if found is None:
        return Refused(
            f"There is no case {ref}."
            if ref
            else "Run /cspr publish in the case's channel, or name it: /cspr publish 2026-004."
        )
    case = repositories.case_by_id(work.session, found.id, lock=True)
    assert case is not None
    if review_type(case) is None:
        return Refused(
            f"{case.ref} has no learning to publish here: briefings are for local CSPRs, other learning "
            "reviews and referrals closed with local learning."
        )
    if case.local_review is not None and case.local_review.publication == "not_published":
        return Refused(f"A decision not to publish {case.ref} is recorded.")
    return case


@read_only
def check_publish(work: Work, actor: str, channel_id: str, ref: str | None = None) -> Outcome:
    """Before the form opens: may this person publish, and what is published already?"""
    case = _publishable(work, actor, channel_id, ref)
    if isinstance(case, Refused):
        return case
    entry = case.library_entry
    published_on = local_reviews.recorded(case).get("published")
    return Done(
        changed=False,
        data={
            "ref": case.ref,
            "title": entry.title if entry else "",
            "published_on": published_on or work.today,
            "themes": ", ".join(entry.themes) if entry else "",
            "links": dict(entry.links) if entry else {},
        },
    )


def publish(work: Work, actor: str, ref: str, briefing: Briefing) -> Outcome:
    case = _publishable(work, actor, "", ref)
    if isinstance(case, Refused):
        return case
    if case.local_review is not None:
        if problem := local_reviews.set_published(work, actor, case, briefing.published_on):
            return Invalid({"published_on": problem})
    elif briefing.published_on < case.referred_at.astimezone(work.partnership.timezone).date():
        return Invalid({"published_on": "The publication date cannot be before the referral."})
    entry = case.library_entry
    fields = {
        "title": briefing.title,
        "published": briefing.published_on.isoformat(),
        "themes": list(briefing.themes),
        "links": dict(briefing.links),
    }
    if entry is not None and all(getattr(entry, name) == value for name, value in fields.items()):
        return Done(reply=f"{case.ref} is already published with this material.", changed=False)
    # A summary-only decision leaves an entry without material until the summary is attached.
    first = entry is None or not entry.links
    if entry is None:
        entry = LibraryEntry(entry_key=case_key(case.ref), review_type=str(review_type(case)), added_at=work.now)
        case.library_entry = entry
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.status = "summary_only" if entry.status == "summary_only" else "published"
    entry.terms = terms(entry.title, entry.themes, entry.review_type, entry.published)
    entry.updated_at = work.now
    work.session.flush()
    work.audit(actor, "published" if first else "publication_corrected", case, materials=sorted(briefing.links))
    for kind, destination in _announced_in(work, case):
        work.refresh(case, kind, destination=destination)
    work.refresh(case, cards.CASE)
    verb = "Published" if first else "Updated the published material of"
    return Done(reply=f"{verb} {case.ref} ({day(briefing.published_on)}); it is in the learning library.")


def _announced_in(work: Work, case: Case) -> list[tuple[str, str]]:
    """Where the publication card goes: the case channel while it is open, the PPRG channel, and
    the partnership's learning channel if it has one."""
    places = [(cards.PUBLICATION_PPRG, work.partnership.pprg_channel)]
    if case.channel_id and case.stage != Stage.CLOSED and case.channel_archived_at is None:
        places.insert(0, (cards.PUBLICATION_CASE, case.channel_id))
    if work.partnership.learning_channel:
        places.append((cards.PUBLICATION_LEARNING, work.partnership.learning_channel))
    return places

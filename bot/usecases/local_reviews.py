"""A local CSPR from its commissioning to publication: milestones and the decision not to publish."""

from __future__ import annotations

from datetime import date

from bot.delivery import cards
from bot.desk import read_only
from bot.free_text import clean
from bot.learning.entries import case_key, title_problem
from bot.learning.search import terms
from bot.outcomes import Done, Invalid, Outcome, Refused, not_allowed
from bot.review import local_review, permissions
from bot.review.local_review import MILESTONES, NOT_PUBLISHED, PUBLICATION_DECISIONS
from bot.review.stages import Stage
from bot.review.timetable import COUNTDOWN, claim_key
from bot.work import Work
from messages.wording import day
from storage import repositories
from storage.models import Case, LibraryEntry, LocalReview, Milestone


def start(work: Work, case: Case, decided_on: date, requested_by: str, actor: str) -> None:
    """The decision to hold a local CSPR is made: its tracker replaces the rapid review's card."""
    case.local_review = LocalReview(decided_on=decided_on, requested_by=requested_by)
    target = local_review.target(decided_on)
    work.audit(
        actor,
        "local_review_started",
        case,
        decided_on=decided_on.isoformat(),
        requested_by=requested_by,
        target=target.isoformat(),
    )
    if case.channel_id and case.channel_archived_at is None:
        work.notify(
            f"{case.ref}|local-review-started",
            case.channel_id,
            work.render("local_review_started", case=case, target=target, requested_by=requested_by),
            case,
        )
    work.refresh(case, cards.CASE)
    # The card is rendered afresh now: its next edit is when the time left reads differently.
    work.claim(claim_key(case.ref, COUNTDOWN, local_review.time_left(work.today, target)), COUNTDOWN, case)


def _in_review(work: Work, actor: str, channel_id: str, ref: str | None = None) -> Case | Refused:
    if not permissions.may_manage(actor, work.partnership):
        return not_allowed("Only the PPRG chair or business manager can record a local review's milestones.")
    found = (
        repositories.case_by_ref(work.session, ref) if ref else repositories.case_by_channel(work.session, channel_id)
    )
    if found is None:
        return Refused(f"There is no case {ref}." if ref else "Run /cspr milestone in the case's channel.")
    case = repositories.case_by_id(work.session, found.id, lock=True)
    assert case is not None
    if case.stage != Stage.LOCAL_REVIEW or case.local_review is None:
        return Refused(f"{case.ref} is not a local CSPR in progress, so it has no milestones to record.")
    return case


def recorded(case: Case) -> dict[str, date]:
    return {milestone.key: milestone.on for milestone in case.milestones}


@read_only
def milestones(work: Work, actor: str, channel_id: str) -> Outcome:
    """Every milestone of the channel's local review, with its state."""
    case = repositories.case_by_channel(work.session, channel_id)
    if case is None:
        return Refused("Run /cspr milestone in the case's channel.")
    if not permissions.may_see_case(actor, work.partnership, [link.agency_key for link in case.agencies]):
        return not_allowed(f"You are not part of case {case.ref}.")
    if case.local_review is None:
        return Refused(f"{case.ref} is not a local CSPR, so it has no milestones.")
    facts = cards.case_facts(case, work.partnership, work.calendar, work.today)
    return Done(changed=False, data={"message": work.render("milestone_list", **facts)})


@read_only
def check_milestone(work: Work, actor: str, ref: str, key: str) -> Outcome:
    case = _in_review(work, actor, "", ref)
    if isinstance(case, Refused):
        return case
    if key not in MILESTONES:
        return Refused(_usage(case))
    return Done(changed=False, data={"ref": case.ref, "label": MILESTONES[key], "on": recorded(case).get(key)})


def record_milestone(
    work: Work, actor: str, channel_id: str, key: str, on: date | None, ref: str | None = None
) -> Outcome:
    """Record (or correct the date of) a milestone; `on` defaults to today."""
    case = _in_review(work, actor, channel_id, ref)
    if isinstance(case, Refused):
        return case
    if key not in MILESTONES:
        return Refused(_usage(case))
    review = case.local_review
    assert review is not None
    on = on or work.today
    done = recorded(case)
    if "published" in done:
        return Refused(f"{case.ref} was published on {day(done['published'])}: its milestones are final.")
    if done.get(key) == on:
        return Done(reply=f"{MILESTONES[key]} is already recorded for {case.ref} on {day(on)}.", changed=False)
    if problem := local_review.date_problem(on, work.today, review.decided_on):
        return Invalid({"on": problem})
    if key == "published":
        if review.publication == "not_published":
            return Refused(f"A decision not to publish {case.ref} is recorded.")
        if problem := local_review.publication_problem(
            done, on, work.calendar, work.partnership.publication_notice_working_days
        ):
            return Invalid({"on": problem})
    _set(work, actor, case, key, on)
    return Done(reply=f"Recorded for {case.ref}: {MILESTONES[key]}, {day(on)}.")


def _set(work: Work, actor: str, case: Case, key: str, on: date) -> None:
    existing = next((m for m in case.milestones if m.key == key), None)
    if existing is None:
        case.milestones.append(Milestone(key=key, on=on, recorded_by=actor, recorded_at=work.now))
    else:
        existing.on, existing.recorded_by, existing.recorded_at = on, actor, work.now
    work.session.flush()
    work.audit(actor, "milestone_recorded", case, milestone=key, on=on.isoformat(), corrected=existing is not None)
    work.refresh(case, cards.CASE)


def set_published(work: Work, actor: str, case: Case, on: date) -> str | None:
    """For publication with its material: the `published` milestone on `on`, if the rules allow."""
    review = case.local_review
    assert review is not None
    done = recorded(case)
    if problem := local_review.date_problem(on, work.today, review.decided_on):
        return problem
    if problem := local_review.publication_problem(
        done, on, work.calendar, work.partnership.publication_notice_working_days
    ):
        return problem
    if done.get("published") != on:
        _set(work, actor, case, "published", on)
    return None


@read_only
def check_not_published(work: Work, actor: str, channel_id: str, ref: str | None = None) -> Outcome:
    case = _in_review(work, actor, channel_id, ref)
    if isinstance(case, Refused):
        return case
    if "published" in recorded(case):
        return Refused(f"{case.ref} is recorded as published.")
    return Done(changed=False, data={"ref": case.ref})


def not_published(work: Work, actor: str, ref: str, decision: str, title: str, reasons: str) -> Outcome:
    """The partners decided not to publish the report, or to publish a summary only: the Panel
    is told in real life, the card says so, and the library shows it."""
    case = _in_review(work, actor, "", ref)
    if isinstance(case, Refused):
        return case
    review = case.local_review
    assert review is not None
    if "published" in recorded(case):
        return Refused(f"{case.ref} is recorded as published.")
    errors = {}
    if decision not in PUBLICATION_DECISIONS:
        errors["decision"] = "Choose what the safeguarding partners decided."
    title = " ".join(clean(title).split())
    if problem := title_problem(title):
        errors["title"] = problem
    reasons = clean(reasons)
    if not reasons:
        errors["reasons"] = "Give the reasons: the Panel must be told them."
    elif len(reasons) > local_review.REASONS_MAX:
        errors["reasons"] = f"Keep the reasons within {local_review.REASONS_MAX} characters."
    if errors:
        return Invalid(errors)
    if review.publication == decision:
        return Done(reply=f"That decision is already recorded for {case.ref}.", changed=False)
    review.publication, review.publication_reasons = decision, reasons
    review.publication_decided_by, review.publication_decided_at = actor, work.now
    entry = case.library_entry
    if entry is None:
        entry = LibraryEntry(
            entry_key=case_key(case.ref), title=title, review_type="LCSPR", published=None, themes=[], links={}
        )
        entry.added_at = work.now
        case.library_entry = entry
    entry.title, entry.status, entry.updated_at = title, decision, work.now
    entry.terms = terms(entry.title, entry.themes, entry.review_type, entry.published)
    work.session.flush()
    work.audit(actor, "publication_decided", case, decision=decision)
    work.notify(
        f"{case.ref}|publication-decided|{decision}",
        case.channel_id or "",
        work.render("publication_decided", case=case, label=PUBLICATION_DECISIONS[decision], by=actor),
        case,
    )
    work.refresh(case, cards.CASE)
    return Done(reply=f"Recorded for {case.ref}: {PUBLICATION_DECISIONS[decision]}.")


def _usage(case: Case) -> str:
    keys = ", ".join(f"`{key}`" for key in MILESTONES)
    return (
        f"Usage: /cspr milestone <milestone> [YYYY-MM-DD], or `/cspr milestone {NOT_PUBLISHED}`. "
        f"The milestones of {case.ref} are {keys}."
    )

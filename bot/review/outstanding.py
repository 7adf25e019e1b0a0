"""Who a case is waiting for, and for what: the answer behind reminders, digests and the Home tab."""

from __future__ import annotations

from dataclasses import dataclass

from bot.partnership import PARTNER_NAMES, Partnership
from bot.review.local_review import settled
from bot.review.stages import Stage
from storage.models import Case


@dataclass(frozen=True)
class Waiting:
    kind: str  # triage | signoff | decision | endorsement | panel | panel_answer | close
    label: str  # for everyone: "sign-off from Example Police"
    task: str  # for the person asked: "sign off for Example Police"
    people: tuple[str, ...]


def waiting_on(case: Case, partnership: Partnership) -> list[Waiting]:
    stage = Stage(case.stage)
    triage_team = (*partnership.chairs, *partnership.business_managers)
    if stage is Stage.REFERRED:
        return [Waiting("triage", "triage by the PPRG", "triage the referral", triage_team)]
    if stage is Stage.RAPID_REVIEW:
        signed = {signoff.agency_key for signoff in case.signoffs}
        agencies = [partnership.agency(link.agency_key) for link in case.agencies if link.agency_key not in signed]
        waiting = [
            Waiting("signoff", f"sign-off from {agency.name}", f"sign off for {agency.name}", agency.leads)
            for agency in agencies
            if agency is not None
        ]
        if not waiting:
            waiting = [
                Waiting("decision", "the PPRG recommendation", "record the PPRG recommendation", partnership.chairs)
            ]
        return waiting
    if stage is Stage.AWAITING_ENDORSEMENT and case.decision is not None:
        done = {endorsement.partner for endorsement in case.decision.endorsements}
        return [
            Waiting(
                "endorsement",
                f"endorsement by the {PARTNER_NAMES[role]}",
                "endorse the PPRG recommendation (see your direct messages)",
                (delegate,),
            )
            for role, delegate in partnership.partners.items()
            if role not in done
        ]
    if stage is Stage.DECIDED:
        return [
            Waiting("panel", "sending to the Panel", "send the rapid review to the Panel and mark it sent", triage_team)
        ]
    waiting = []
    if stage in (Stage.AWAITING_PANEL, Stage.LOCAL_REVIEW) and case.panel_answer is None:
        waiting.append(
            Waiting("panel_answer", "the Panel's answer", "record the Panel's answer when it arrives", triage_team)
        )
    review = case.local_review
    done = [milestone.key for milestone in case.milestones]
    if stage is Stage.CONCLUDED or (review and stage is Stage.LOCAL_REVIEW and settled(review.publication, done)):
        waiting.append(Waiting("close", "closing by the chair", "close the case", partnership.chairs))
    return waiting


def summary(waiting: list[Waiting]) -> str:
    """One line for a digest: "sign-off from Police, Education" rather than the label twice."""
    agencies = [item.label.removeprefix("sign-off from ") for item in waiting if item.kind == "signoff"]
    others = [item.label for item in waiting if item.kind != "signoff"]
    parts = ([f"sign-off from {', '.join(agencies)}"] if agencies else []) + others
    return "; ".join(parts)

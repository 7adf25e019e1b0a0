"""The case state machine and its deadlines. Pure: callers pass in the dates they mean."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from bot.working_days import WorkingCalendar

# Case references are the year and a sequence number: 2026-004. ASCII digits only, bounded.
CASE_REF = re.compile(r"[0-9]{4}-[0-9]{3,6}")
NOTIFICATION_WORKING_DAYS = 5
RAPID_REVIEW_WORKING_DAYS = 15


class Stage(StrEnum):
    REFERRED = "referred"  # waiting for the PPRG to triage
    OPENING = "opening"  # review started, its private channel being made
    RAPID_REVIEW = "rapid_review"  # agencies returning information and signing off
    AWAITING_ENDORSEMENT = "awaiting_endorsement"  # PPRG recommended; partners endorsing
    DECIDED = "decided"  # final decision, rapid review not yet sent to the Panel
    AWAITING_PANEL = "awaiting_panel"  # sent; the next step waits for the Panel's answer
    LOCAL_REVIEW = "local_review"  # a local CSPR, from its commissioning to publication
    CONCLUDED = "concluded"  # nothing more follows here; waiting for the chair to close it
    CLOSED = "closed"


STAGE_LABELS = {
    Stage.REFERRED: "Referred, awaiting triage",
    Stage.OPENING: "Opening the review channel",
    Stage.RAPID_REVIEW: "Rapid review",
    Stage.AWAITING_ENDORSEMENT: "Awaiting partner endorsement",
    Stage.DECIDED: "Decided, to send to the Panel",
    Stage.AWAITING_PANEL: "Sent to the Panel, awaiting its response",
    Stage.LOCAL_REVIEW: "Local CSPR",
    Stage.CONCLUDED: "Concluded, to be closed",
    Stage.CLOSED: "Closed",
}

OUTCOMES = {
    "local_cspr": "Local CSPR",
    "no_further_review": "No further review",
    "other_learning_review": "Other learning review",
    "possible_national_review": "Possible national review",
}

OPEN_STAGES = tuple(stage for stage in Stage if stage is not Stage.CLOSED)
# The stage whose clock is the 5-working-day notification, and those counting the rapid review
# (from the date the notification was sent until the review goes to the Panel).
NOTIFICATION_STAGES = (Stage.REFERRED,)
REVIEW_STAGES = (Stage.OPENING, Stage.RAPID_REVIEW, Stage.AWAITING_ENDORSEMENT, Stage.DECIDED)
# Stages in which the chair may close the case: every one after the final decision.
CLOSABLE_STAGES = (Stage.DECIDED, Stage.AWAITING_PANEL, Stage.LOCAL_REVIEW, Stage.CONCLUDED)


def is_case_ref(text: object) -> bool:
    return isinstance(text, str) and CASE_REF.fullmatch(text) is not None


def notification_due(aware_on: date, calendar: WorkingCalendar) -> date:
    """The local authority notifies the Panel within 5 working days of becoming aware."""
    return calendar.add(aware_on, NOTIFICATION_WORKING_DAYS)


def review_due(notified_on: date, calendar: WorkingCalendar) -> date:
    """The rapid review is due 15 working days after the date the notification was *sent* to
    the Panel (the Panel's expectation; some areas count from receipt instead)."""
    return calendar.add(notified_on, RAPID_REVIEW_WORKING_DAYS)


def after_sent_to_panel(outcome: str) -> Stage:
    """A local CSPR the partners decided on starts at once; anything else waits for the Panel."""
    return Stage.LOCAL_REVIEW if outcome == "local_cspr" else Stage.AWAITING_PANEL

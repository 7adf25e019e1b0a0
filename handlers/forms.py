"""Opening forms, from a button or a command: check with the use case first, then open the form
straight away (Slack's trigger expires 3 s after the click), remembering where it was asked for."""

from __future__ import annotations

import json
from typing import Any

from bot.learning import actions as action_rules
from bot.learning.entries import MATERIALS, TITLE_MAX
from bot.outcomes import Done
from bot.review import panel
from bot.review.local_review import PUBLICATION_DECISIONS, REASONS_MAX
from bot.usecases import actions, closing, local_reviews, publication
from bot.usecases.closing import NOTE_MAX
from bot.usecases.panel import check_answer
from handlers.turn import Incoming


def metadata(incoming: Incoming, **values: Any) -> str:
    """Where the form was asked for, so its answer can go back there, and what it is about."""
    return json.dumps({"channel": incoming.channel or None, **values})


def allowed(incoming: Incoming, check: Any, **arguments: Any) -> Done | None:
    """Run a use case's check before its form opens; answer the person if the form may not open."""
    outcome = incoming.run(check, **arguments)
    if isinstance(outcome, Done):
        return outcome
    incoming.show(outcome)
    return None


def open_panel_answer(incoming: Incoming, ref: str, answer: str) -> None:
    if allowed(incoming, check_answer, ref=ref) is None:
        return
    incoming.open_form(
        "panel_answer_modal",
        ref=ref,
        answer=answer,
        label=panel.ANSWERS[answer],
        today=incoming.today,
        note_max=panel.NOTE_MAX,
        metadata=metadata(incoming, ref=ref, answer=answer),
    )


def open_milestone(incoming: Incoming, ref: str, key: str) -> None:
    if (checked := allowed(incoming, local_reviews.check_milestone, ref=ref, key=key)) is None:
        return
    incoming.open_form(
        "milestone_modal",
        ref=ref,
        label=checked.data["label"],
        on=checked.data["on"],
        today=incoming.today,
        metadata=metadata(incoming, ref=ref, key=key),
    )


def open_not_published(incoming: Incoming, channel_id: str = "", ref: str | None = None) -> None:
    if (checked := allowed(incoming, local_reviews.check_not_published, channel_id=channel_id, ref=ref)) is None:
        return
    ref = checked.data["ref"]
    incoming.open_form(
        "not_published_modal",
        ref=ref,
        decisions=PUBLICATION_DECISIONS,
        title="",
        title_max=TITLE_MAX,
        reasons_max=REASONS_MAX,
        metadata=metadata(incoming, ref=ref),
    )


def open_publish(incoming: Incoming, ref: str | None) -> None:
    channel_id = incoming.channel
    if (checked := allowed(incoming, publication.check_publish, channel_id=channel_id, ref=ref)) is None:
        return
    data = checked.data
    incoming.open_form(
        "publish_modal",
        materials=MATERIALS,
        title_max=TITLE_MAX,
        learning_channel=incoming.services.partnership.learning_channel,
        metadata=metadata(incoming, ref=data["ref"]),
        **data,
    )


def open_close(incoming: Incoming, ref: str | None) -> None:
    channel_id = incoming.channel
    if (checked := allowed(incoming, closing.check_close, channel_id=channel_id, ref=ref)) is None:
        return
    ref = checked.data["ref"]
    incoming.open_form("close_modal", ref=ref, note_max=NOTE_MAX, metadata=metadata(incoming, ref=ref))


def open_recommend(incoming: Incoming, ref: str | None = None, national: str | None = None) -> None:
    channel_id = incoming.channel
    checked = allowed(incoming, actions.check_recommend, channel_id=channel_id, ref=ref, national=national)
    if checked is None:
        return
    data = checked.data
    incoming.open_form(
        "recommend_modal",
        subject=data["about"],
        agencies=incoming.services.partnership.agencies,
        text_max=action_rules.TEXT_MAX,
        measure_max=action_rules.MEASURE_MAX,
        metadata=metadata(incoming, ref=data["ref"], national=data["national"]),
    )


def open_add_action(incoming: Incoming, recommendation_id: int) -> None:
    if (checked := allowed(incoming, actions.check_add_action, recommendation_id=recommendation_id)) is None:
        return
    incoming.open_form(
        "action_modal",
        number=checked.data["number"],
        subject=checked.data["about"],
        agencies=incoming.services.partnership.agencies,
        measure_max=action_rules.MEASURE_MAX,
        metadata=metadata(incoming, recommendation=recommendation_id),
    )


def open_action_step(incoming: Incoming, action_id: int, step: str) -> None:
    if (checked := allowed(incoming, actions.check_step, action_id=action_id, step=step)) is None:
        return
    incoming.open_form(
        "action_step_modal",
        step=step,
        label=checked.data["label"],
        note_max=action_rules.NOTE_MAX,
        metadata=metadata(incoming, action=action_id, step=step),
    )

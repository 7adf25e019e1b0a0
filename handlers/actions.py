"""Buttons. Each answers within Slack's 3 seconds, checks who is pressing, then opens a form or acts."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.free_text import clean
from bot.partnership import PARTNER_ROLES
from bot.review import panel
from bot.review.local_review import MILESTONES
from bot.review.stages import OUTCOMES, is_case_ref
from bot.usecases import actions, decisions, referrals, signoffs
from bot.usecases.decisions import RATIONALE_MAX
from bot.usecases.referrals import REASON_MAX
from bot.usecases.signoffs import COMMENT_MAX
from handlers import forms, library
from handlers.guard import Incoming, guarded

TRIAGE_FORMS = {"triage_start": "start_modal", "triage_not_met": "not_met_modal", "triage_more_info": "more_info_modal"}


def register(app: App) -> None:
    for action_id in TRIAGE_FORMS:
        app.action(action_id)(guarded(triage))
    app.action("signoff")(guarded(sign_off))
    app.action(re.compile(r"^decide_[a-z_]+$"))(guarded(decide))
    app.action("endorse")(guarded(endorse))
    app.action("mark_sent")(guarded(mark_sent))
    app.action(re.compile(r"^panel_[a-z_]+$"))(guarded(panel_answer))
    app.action("milestone")(guarded(milestone))
    app.action("publish")(guarded(publish))
    app.action("not_published")(guarded(not_published))
    app.action("close_case")(guarded(close_case))
    app.action("library_more")(guarded(library_more))
    app.action("library_search")(guarded(library_search))
    app.action("library_more_view")(guarded(library_more_view))
    app.action("recommend")(guarded(recommend))
    app.action("action_add")(guarded(action_add))
    for button in STEP_BUTTONS.values():
        app.action(button)(guarded(action_step))
    app.action("action_sign_off")(guarded(action_sign_off))


OUT_OF_DATE = "This button is out of date or not valid. Use the one on the current card."
STEP_BUTTONS = {"progress": "action_progress", "completed": "action_complete", "reopened": "action_reopen"}


def _pressed(incoming: Incoming) -> tuple[str, str, str]:
    """(action id, case reference, the rest of the value): a button's value is `ref` or `ref|detail`."""
    action = incoming.body["actions"][0]
    ref, _, detail = clean(action.get("value"))[:300].partition("|")
    return str(action.get("action_id", "")), ref, detail


def _case_button(incoming: Incoming) -> tuple[str, str, str] | None:
    """The button pressed, acknowledged, if it names a well-formed case; else the person is told."""
    incoming.ack()
    action_id, ref, detail = _pressed(incoming)
    if not is_case_ref(ref):
        incoming.tell(OUT_OF_DATE)
        return None
    return action_id, ref, detail


def triage(incoming: Incoming) -> None:
    if (pressed := _case_button(incoming)) is None:
        return
    action_id, ref, _ = pressed
    if (allowed := forms.allowed(incoming, referrals.check_triage, ref=ref)) is None:
        return
    forms.open_form(
        incoming,
        TRIAGE_FORMS[action_id],
        ref=ref,
        notified_on=allowed.data["notified_on"],
        reason_max=REASON_MAX,
        metadata=forms.metadata(incoming, ref=ref),
    )


def sign_off(incoming: Incoming) -> None:
    if (pressed := _case_button(incoming)) is None:
        return
    _, ref, pressed_agency = pressed
    if (allowed := forms.allowed(incoming, signoffs.check_sign_off, ref=ref)) is None:
        return
    keys: list[str] = allowed.data["agencies"]
    # The line pressed decides when this person leads it; otherwise ask which agency they mean.
    if pressed_agency in keys:
        keys = [pressed_agency]
    partnership = incoming.services.partnership
    agencies = [{"key": key, "name": partnership.agency_name(key)} for key in keys]
    forms.open_form(
        incoming,
        "signoff_modal",
        ref=ref,
        agencies=agencies,
        comment_max=COMMENT_MAX,
        metadata=forms.metadata(incoming, ref=ref, agency=keys[0] if len(keys) == 1 else None),
    )


def decide(incoming: Incoming) -> None:
    if (pressed := _case_button(incoming)) is None:
        return
    action_id, ref, _ = pressed
    outcome_key = action_id.removeprefix("decide_")
    if outcome_key not in OUTCOMES:
        incoming.tell(OUT_OF_DATE)
        return
    if forms.allowed(incoming, decisions.check_decide, ref=ref) is None:
        return
    forms.open_form(
        incoming,
        "decide_modal",
        ref=ref,
        outcome_label=OUTCOMES[outcome_key],
        partners=bool(incoming.services.partnership.partners),
        rationale_max=RATIONALE_MAX,
        metadata=forms.metadata(incoming, ref=ref, outcome=outcome_key),
    )


def endorse(incoming: Incoming) -> None:
    if (pressed := _case_button(incoming)) is None:
        return
    _, ref, role = pressed
    if role not in PARTNER_ROLES:
        incoming.tell(OUT_OF_DATE)
        return
    incoming.show(incoming.run(decisions.endorse, ref=ref, role=role))


def mark_sent(incoming: Incoming) -> None:
    if (pressed := _case_button(incoming)) is None:
        return
    _, ref, _ = pressed
    if forms.allowed(incoming, decisions.check_mark_sent, ref=ref) is None:
        return
    forms.open_form(
        incoming, "mark_sent_modal", ref=ref, today=incoming.today, metadata=forms.metadata(incoming, ref=ref)
    )


def panel_answer(incoming: Incoming) -> None:
    if (pressed := _case_button(incoming)) is None:
        return
    action_id, ref, _ = pressed
    answer = action_id.removeprefix("panel_")
    if answer not in panel.ANSWERS:
        incoming.tell(OUT_OF_DATE)
        return
    forms.open_panel_answer(incoming, ref, answer)


def milestone(incoming: Incoming) -> None:
    if (pressed := _case_button(incoming)) is None:
        return
    _, ref, key = pressed
    if key not in MILESTONES:
        incoming.tell(OUT_OF_DATE)
        return
    forms.open_milestone(incoming, ref, key)


def publish(incoming: Incoming) -> None:
    if (pressed := _case_button(incoming)) is not None:
        forms.open_publish(incoming, pressed[1])


def not_published(incoming: Incoming) -> None:
    if (pressed := _case_button(incoming)) is not None:
        forms.open_not_published(incoming, ref=pressed[1])


def close_case(incoming: Incoming) -> None:
    if (pressed := _case_button(incoming)) is not None:
        forms.open_close(incoming, pressed[1])


def _more(incoming: Incoming) -> tuple[str, int]:
    """The next page's offset and the words searched for, carried by the More button."""
    offset, _, words = clean(incoming.body["actions"][0].get("value"))[:300].partition("|")
    return words, int(offset) if offset.isdigit() else 0


def library_more(incoming: Incoming) -> None:
    incoming.ack()
    words, offset = _more(incoming)
    incoming.replace(library.message(incoming, words, offset))


def library_search(incoming: Incoming) -> None:
    """The App Home's button: a search form, which shows its answers in itself."""
    incoming.ack()
    incoming.client.views_open(trigger_id=incoming.body["trigger_id"], view=library.view(incoming, ""))


def library_more_view(incoming: Incoming) -> None:
    incoming.ack()
    words, offset = _more(incoming)
    view = incoming.body.get("view") or {}
    incoming.client.views_update(
        view_id=view.get("id"), hash=view.get("hash"), view=library.view(incoming, words, offset)
    )


def recommend(incoming: Incoming) -> None:
    if (pressed := _case_button(incoming)) is not None:
        forms.open_recommend(incoming, ref=pressed[1])


def _numbered_button(incoming: Incoming) -> tuple[str, int] | None:
    """A button whose value is the id of what it acts on: acknowledged, and the id if it is one."""
    incoming.ack()
    action = incoming.body["actions"][0]
    value = clean(action.get("value"))[:12]
    if not value.isdigit():
        incoming.tell(OUT_OF_DATE)
        return None
    return str(action.get("action_id", "")), int(value)


def action_add(incoming: Incoming) -> None:
    if (pressed := _numbered_button(incoming)) is not None:
        forms.open_add_action(incoming, pressed[1])


def action_step(incoming: Incoming) -> None:
    if (pressed := _numbered_button(incoming)) is not None:
        action_id, number = pressed
        step = next(step for step, button in STEP_BUTTONS.items() if button == action_id)
        forms.open_action_step(incoming, number, step)


def action_sign_off(incoming: Incoming) -> None:
    if (pressed := _numbered_button(incoming)) is not None:
        incoming.show(incoming.run(actions.sign_off, action_id=pressed[1]))

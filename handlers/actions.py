"""Buttons. Each answers at once (Slack allows 3 seconds), checks who is pressing, then opens a form or acts."""

from __future__ import annotations

from collections.abc import Callable

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
from handlers.turn import Incoming

TRIAGE_FORMS = {"triage_start": "start_modal", "triage_not_met": "not_met_modal", "triage_more_info": "more_info_modal"}


OUT_OF_DATE = "This button is out of date or not valid. Use the one on the current card."
STEP_BUTTONS = {"progress": "action_progress", "completed": "action_complete", "reopened": "action_reopen"}


def _pressed(incoming: Incoming) -> tuple[str, str, str]:
    """(action id, case reference, the rest of the value): a button's value is `ref` or `ref|detail`."""
    action_id, value = incoming.pressed()
    ref, _, detail = clean(value)[:300].partition("|")
    return action_id, ref, detail


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
    incoming.open_form(
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
    incoming.open_form(
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
    incoming.open_form(
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
    incoming.open_form("mark_sent_modal", ref=ref, today=incoming.today, metadata=forms.metadata(incoming, ref=ref))


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
    offset, _, words = clean(incoming.pressed()[1])[:300].partition("|")
    return words, int(offset) if offset.isdigit() else 0


def library_more(incoming: Incoming) -> None:
    incoming.ack()
    words, offset = _more(incoming)
    incoming.replace(library.message(incoming, words, offset))


def library_search(incoming: Incoming) -> None:
    """The App Home's button: a search form, which shows its answers in itself."""
    library.show_form(incoming, "")


def library_more_view(incoming: Incoming) -> None:
    words, offset = _more(incoming)
    library.show_form(incoming, words, offset, update=True)


def recommend(incoming: Incoming) -> None:
    if (pressed := _case_button(incoming)) is not None:
        forms.open_recommend(incoming, ref=pressed[1])


def _numbered_button(incoming: Incoming) -> tuple[str, int] | None:
    """A button whose value is the id of what it acts on: acknowledged, and the id if it is one."""
    incoming.ack()
    action_id, value = incoming.pressed()
    value = clean(value)[:12]
    if not value.isdigit():
        incoming.tell(OUT_OF_DATE)
        return None
    return action_id, int(value)


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


# Each button by its action id (Slack's action_id, the Teams card action's verb).
BUTTONS: dict[str, Callable[[Incoming], None]] = {
    **{action_id: triage for action_id in TRIAGE_FORMS},
    "signoff": sign_off,
    "endorse": endorse,
    "mark_sent": mark_sent,
    "milestone": milestone,
    "publish": publish,
    "not_published": not_published,
    "close_case": close_case,
    "library_more": library_more,
    "library_search": library_search,
    "library_more_view": library_more_view,
    "recommend": recommend,
    "action_add": action_add,
    **{button: action_step for button in STEP_BUTTONS.values()},
    "action_sign_off": action_sign_off,
}
# Buttons whose action id carries a choice after a prefix (`decide_local_cspr`): the listener
# checks the choice, so a tampered one is answered rather than ignored.
BUTTON_PREFIXES: dict[str, Callable[[Incoming], None]] = {"decide_": decide, "panel_": panel_answer}


def listener_for(action_id: str) -> Callable[[Incoming], None] | None:
    if action_id in BUTTONS:
        return BUTTONS[action_id]
    return next((listener for prefix, listener in BUTTON_PREFIXES.items() if action_id.startswith(prefix)), None)

"""Modal submissions: read the form, hand it to the domain, answer with field errors or close."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.free_text import clean, iso_date
from bot.learning import actions as action_rules
from bot.learning import briefing
from bot.review import referral_form
from bot.review.stages import is_case_ref
from bot.usecases import actions, closing, decisions, local_reviews, panel, publication, referrals, signoffs
from handlers import library
from handlers.guard import Incoming, guarded


def register(app: App) -> None:
    app.view("referral")(guarded(referral))
    app.view("start_review")(guarded(start_review))
    app.view("not_met")(guarded(criteria_not_met))
    app.view("more_info")(guarded(more_information))
    app.view("sign_off")(guarded(sign_off))
    app.view("decide")(guarded(decide))
    app.view("mark_sent")(guarded(mark_sent))
    app.view("panel_answer")(guarded(panel_answer))
    app.view("milestone")(guarded(milestone))
    app.view("not_published")(guarded(not_published))
    app.view("publish")(guarded(publish))
    app.view("close_case")(guarded(close_case))
    app.view("library_search")(guarded(library_search))
    app.view("recommend")(guarded(recommend))
    app.view("add_action")(guarded(add_action))
    app.view("action_step")(guarded(action_step))


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """Slack's `state.values` as {block_id: value}: text, ISO date, option value or list of them.
    A value of the wrong shape (only a tampered request sends one) counts as not filled in."""
    values: dict[str, Any] = {}
    state = view.get("state")
    blocks = state.get("values") if isinstance(state, dict) else None
    for block_id, elements in (blocks or {}).items() if isinstance(blocks, dict) else ():
        for element in elements.values() if isinstance(elements, dict) else ():
            if isinstance(element, dict):
                values[block_id] = _element_value(element)
    return values


def _element_value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("plain_text_input", "url_text_input", "datepicker"):
        value = element.get("selected_date" if kind == "datepicker" else "value")
        return value if isinstance(value, str) else None
    if kind in ("static_select", "radio_buttons"):
        return _option_value(element.get("selected_option"))
    if kind == "users_select":
        user = element.get("selected_user")
        return user if isinstance(user, str) else None
    if kind in ("multi_static_select", "checkboxes"):
        options = element.get("selected_options")
        chosen = [_option_value(option) for option in options] if isinstance(options, list) else []
        return [value for value in chosen if value is not None]
    return None


def _option_value(option: Any) -> str | None:
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def _values(incoming: Incoming) -> dict[str, Any]:
    return form_values(incoming.body.get("view") or {})


OUT_OF_DATE = "This form is out of date or not valid. Close it and press the button on the card again."


def _ref(incoming: Incoming) -> str | None:
    """The case reference the form was opened for, if it is a well-formed one."""
    ref = incoming.metadata().get("ref")
    return ref if is_case_ref(ref) else None


def _view_id(incoming: Incoming) -> str | None:
    """Slack's id for the submitted form (short; a longer one was not made by Slack)."""
    view_id = (incoming.body.get("view") or {}).get("id")
    return view_id if isinstance(view_id, str) and 0 < len(view_id) <= 64 else None


def referral(incoming: Incoming) -> None:
    checked = referral_form.validate(_values(incoming), incoming.services.partnership, incoming.today)
    if isinstance(checked, dict):
        incoming.ack(response_action="errors", errors=checked)
        return
    if (view_id := _view_id(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    incoming.answer_form(incoming.run(referrals.refer, referral_key=view_id, referral=checked))


def start_review(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    notified_on = iso_date(_values(incoming).get("notified_on"))
    if notified_on is None:
        incoming.ack(response_action="errors", errors={"notified_on": "Choose the date the notification was sent."})
        return
    incoming.answer_form(incoming.run(referrals.start_review, ref=ref, notified_on=notified_on))


def criteria_not_met(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    reason = _values(incoming).get("reason") or ""
    incoming.answer_form(incoming.run(referrals.criteria_not_met, ref=ref, reason=reason))


def more_information(incoming: Incoming) -> None:
    ref, view_id = _ref(incoming), _view_id(incoming)
    if ref is None or view_id is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    question = _values(incoming).get("question") or ""
    incoming.answer_form(incoming.run(referrals.ask_for_information, ref=ref, question=question, request_key=view_id))


def sign_off(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    values = _values(incoming)
    agency = incoming.metadata().get("agency") or values.get("agency")
    if not isinstance(agency, str) or not agency:
        if "agency" in values:
            incoming.ack(response_action="errors", errors={"agency": "Choose the agency you are signing off for."})
        else:
            incoming.refuse_form(OUT_OF_DATE)
        return
    comment = values.get("comment") or ""
    incoming.answer_form(incoming.run(signoffs.sign_off, ref=ref, agency=agency[:32], comment=comment))


def decide(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    rationale = _values(incoming).get("rationale") or ""
    outcome = str(incoming.metadata().get("outcome") or "")[:32]
    incoming.answer_form(incoming.run(decisions.decide, ref=ref, outcome=outcome, rationale=rationale))


def mark_sent(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    sent_on = iso_date(_values(incoming).get("sent_on"))
    if sent_on is None:
        incoming.ack(response_action="errors", errors={"sent_on": "Choose the date it was sent to the Panel."})
        return
    incoming.answer_form(incoming.run(decisions.mark_sent, ref=ref, sent_on=sent_on))


def panel_answer(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    values = _values(incoming)
    answered_on = iso_date(values.get("answered_on"))
    if answered_on is None:
        incoming.ack(response_action="errors", errors={"answered_on": "Choose the date of the Panel's answer."})
        return
    answer = str(incoming.metadata().get("answer") or "")[:32]
    note = values.get("note") or ""
    incoming.answer_form(incoming.run(panel.record_answer, ref=ref, answer=answer, answered_on=answered_on, note=note))


def milestone(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    on = iso_date(_values(incoming).get("on"))
    if on is None:
        incoming.ack(response_action="errors", errors={"on": "Choose the date."})
        return
    key = str(incoming.metadata().get("key") or "")[:32]
    incoming.answer_form(incoming.run(local_reviews.record_milestone, channel_id="", ref=ref, key=key, on=on))


def not_published(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    values = _values(incoming)
    incoming.answer_form(
        incoming.run(
            local_reviews.not_published,
            ref=ref,
            decision=values.get("decision") or "",
            title=values.get("title") or "",
            reasons=values.get("reasons") or "",
        )
    )


def publish(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    checked = briefing.validate(_values(incoming), incoming.today)
    if isinstance(checked, dict):
        incoming.ack(response_action="errors", errors=checked)
        return
    incoming.answer_form(incoming.run(publication.publish, ref=ref, briefing=checked))


def close_case(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    incoming.answer_form(incoming.run(closing.close, ref=ref, note=_values(incoming).get("note") or ""))


def library_search(incoming: Incoming) -> None:
    """The search form answers in itself: the same form, with the matches under the words."""
    words = clean(_values(incoming).get("words"))
    incoming.ack(response_action="update", view=library.view(incoming, words))


def _action_draft(incoming: Incoming) -> action_rules.ActionDraft | dict[str, str]:
    return action_rules.draft(_values(incoming), incoming.services.partnership, incoming.today)


def recommend(incoming: Incoming) -> None:
    meta = incoming.metadata()
    ref = meta.get("ref") if is_case_ref(meta.get("ref")) else None
    national = meta.get("national") if isinstance(meta.get("national"), str) else None
    if (view_id := _view_id(incoming)) is None or (ref is None) == (national is None):
        incoming.refuse_form(OUT_OF_DATE)
        return
    incoming.answer_form(
        incoming.run(
            actions.recommend,
            request_key=view_id,
            ref=ref,
            national=national[:200] if national else None,
            text=_values(incoming).get("text") or "",
            action=_action_draft(incoming),
        )
    )


def _number(incoming: Incoming, key: str) -> int | None:
    value = incoming.metadata().get(key)
    return value if isinstance(value, int) and value > 0 else None


def add_action(incoming: Incoming) -> None:
    recommendation_id, view_id = _number(incoming, "recommendation"), _view_id(incoming)
    if recommendation_id is None or view_id is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    incoming.answer_form(
        incoming.run(
            actions.add_action, request_key=view_id, recommendation_id=recommendation_id, action=_action_draft(incoming)
        )
    )


def action_step(incoming: Incoming) -> None:
    action_id, view_id, step = _number(incoming, "action"), _view_id(incoming), incoming.metadata().get("step")
    if action_id is None or view_id is None or step not in ("progress", "completed", "reopened"):
        incoming.refuse_form(OUT_OF_DATE)
        return
    values = _values(incoming)
    incoming.answer_form(
        incoming.run(
            actions.report,
            request_key=view_id,
            action_id=action_id,
            step=step,
            note=values.get("note") or "",
            link=values.get("link") or "",
        )
    )

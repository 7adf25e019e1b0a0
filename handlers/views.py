"""Form submissions: read the form, hand it to the domain, answer with field errors or close."""

from __future__ import annotations

from collections.abc import Callable

from bot.free_text import clean, iso_date
from bot.learning import actions as action_rules
from bot.learning import briefing
from bot.review import referral_form
from bot.review.stages import is_case_ref
from bot.usecases import actions, closing, decisions, local_reviews, panel, publication, referrals, signoffs
from handlers import library
from handlers.turn import Incoming

OUT_OF_DATE = "This form is out of date or not valid. Close it and press the button on the card again."


def _ref(incoming: Incoming) -> str | None:
    """The case reference the form was opened for, if it is a well-formed one."""
    ref = incoming.metadata().get("ref")
    return ref if is_case_ref(ref) else None


def referral(incoming: Incoming) -> None:
    checked = referral_form.validate(incoming.form_values(), incoming.services.partnership, incoming.today)
    if isinstance(checked, dict):
        incoming.form_errors(checked)
        return
    if (view_id := incoming.form_id) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    incoming.answer_form(incoming.run(referrals.refer, referral_key=view_id, referral=checked))


def start_review(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    notified_on = iso_date(incoming.form_values().get("notified_on"))
    if notified_on is None:
        incoming.form_errors({"notified_on": "Choose the date the notification was sent."})
        return
    incoming.answer_form(incoming.run(referrals.start_review, ref=ref, notified_on=notified_on))


def criteria_not_met(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    reason = incoming.form_values().get("reason") or ""
    incoming.answer_form(incoming.run(referrals.criteria_not_met, ref=ref, reason=reason))


def more_information(incoming: Incoming) -> None:
    ref, view_id = _ref(incoming), incoming.form_id
    if ref is None or view_id is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    question = incoming.form_values().get("question") or ""
    incoming.answer_form(incoming.run(referrals.ask_for_information, ref=ref, question=question, request_key=view_id))


def sign_off(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    values = incoming.form_values()
    agency = incoming.metadata().get("agency") or values.get("agency")
    if not isinstance(agency, str) or not agency:
        if "agency" in values:
            incoming.form_errors({"agency": "Choose the agency you are signing off for."})
        else:
            incoming.refuse_form(OUT_OF_DATE)
        return
    comment = values.get("comment") or ""
    incoming.answer_form(incoming.run(signoffs.sign_off, ref=ref, agency=agency[:32], comment=comment))


def decide(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    rationale = incoming.form_values().get("rationale") or ""
    outcome = str(incoming.metadata().get("outcome") or "")[:32]
    incoming.answer_form(incoming.run(decisions.decide, ref=ref, outcome=outcome, rationale=rationale))


def mark_sent(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    sent_on = iso_date(incoming.form_values().get("sent_on"))
    if sent_on is None:
        incoming.form_errors({"sent_on": "Choose the date it was sent to the Panel."})
        return
    incoming.answer_form(incoming.run(decisions.mark_sent, ref=ref, sent_on=sent_on))


def panel_answer(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    values = incoming.form_values()
    answered_on = iso_date(values.get("answered_on"))
    if answered_on is None:
        incoming.form_errors({"answered_on": "Choose the date of the Panel's answer."})
        return
    answer = str(incoming.metadata().get("answer") or "")[:32]
    note = values.get("note") or ""
    incoming.answer_form(incoming.run(panel.record_answer, ref=ref, answer=answer, answered_on=answered_on, note=note))


def milestone(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    on = iso_date(incoming.form_values().get("on"))
    if on is None:
        incoming.form_errors({"on": "Choose the date."})
        return
    key = str(incoming.metadata().get("key") or "")[:32]
    incoming.answer_form(incoming.run(local_reviews.record_milestone, channel_id="", ref=ref, key=key, on=on))


def not_published(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    values = incoming.form_values()
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
    checked = briefing.validate(incoming.form_values(), incoming.today)
    if isinstance(checked, dict):
        incoming.form_errors(checked)
        return
    incoming.answer_form(incoming.run(publication.publish, ref=ref, briefing=checked))


def close_case(incoming: Incoming) -> None:
    if (ref := _ref(incoming)) is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    incoming.answer_form(incoming.run(closing.close, ref=ref, note=incoming.form_values().get("note") or ""))


def library_search(incoming: Incoming) -> None:
    """The search form answers in itself: the same form, with the matches under the words."""
    words = clean(incoming.form_values().get("words"))
    library.show_form(incoming, words, update=True)


def _action_draft(incoming: Incoming) -> action_rules.ActionDraft | dict[str, str]:
    return action_rules.draft(incoming.form_values(), incoming.services.partnership, incoming.today)


def recommend(incoming: Incoming) -> None:
    meta = incoming.metadata()
    ref = meta.get("ref") if is_case_ref(meta.get("ref")) else None
    national = meta.get("national") if isinstance(meta.get("national"), str) else None
    if (view_id := incoming.form_id) is None or (ref is None) == (national is None):
        incoming.refuse_form(OUT_OF_DATE)
        return
    incoming.answer_form(
        incoming.run(
            actions.recommend,
            request_key=view_id,
            ref=ref,
            national=national[:200] if national else None,
            text=incoming.form_values().get("text") or "",
            action=_action_draft(incoming),
        )
    )


def _number(incoming: Incoming, key: str) -> int | None:
    value = incoming.metadata().get(key)
    return value if isinstance(value, int) and value > 0 else None


def add_action(incoming: Incoming) -> None:
    recommendation_id, view_id = _number(incoming, "recommendation"), incoming.form_id
    if recommendation_id is None or view_id is None:
        incoming.refuse_form(OUT_OF_DATE)
        return
    incoming.answer_form(
        incoming.run(
            actions.add_action, request_key=view_id, recommendation_id=recommendation_id, action=_action_draft(incoming)
        )
    )


def action_step(incoming: Incoming) -> None:
    action_id, view_id, step = _number(incoming, "action"), incoming.form_id, incoming.metadata().get("step")
    if action_id is None or view_id is None or step not in ("progress", "completed", "reopened"):
        incoming.refuse_form(OUT_OF_DATE)
        return
    values = incoming.form_values()
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


# Each form by the id it is opened with (Slack's callback_id, the Teams dialog's `form`).
FORMS: dict[str, Callable[[Incoming], None]] = {
    "referral": referral,
    "start_review": start_review,
    "not_met": criteria_not_met,
    "more_info": more_information,
    "sign_off": sign_off,
    "decide": decide,
    "mark_sent": mark_sent,
    "panel_answer": panel_answer,
    "milestone": milestone,
    "not_published": not_published,
    "publish": publish,
    "close_case": close_case,
    "library_search": library_search,
    "recommend": recommend,
    "add_action": add_action,
    "action_step": action_step,
}

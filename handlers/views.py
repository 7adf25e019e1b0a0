"""Modal submissions: read the form, hand it to the domain, answer with field errors or close."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import App

from bot import referral_form
from bot.usecases import decisions, referrals, signoffs
from handlers.guard import Incoming, guarded


def register(app: App) -> None:
    app.view("referral")(guarded(referral))
    app.view("start_review")(guarded(start_review))
    app.view("not_met")(guarded(criteria_not_met))
    app.view("more_info")(guarded(more_information))
    app.view("sign_off")(guarded(sign_off))
    app.view("decide")(guarded(decide))
    app.view("mark_sent")(guarded(mark_sent))


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """Slack's `state.values` as {block_id: value}: text, ISO date, option value or list of them."""
    values: dict[str, Any] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in actions.values():
            kind = element.get("type")
            if kind == "plain_text_input":
                values[block_id] = element.get("value")
            elif kind == "datepicker":
                values[block_id] = element.get("selected_date")
            elif kind in ("static_select", "radio_buttons"):
                values[block_id] = (element.get("selected_option") or {}).get("value")
            elif kind in ("multi_static_select", "checkboxes"):
                values[block_id] = [o.get("value") for o in element.get("selected_options") or []]
    return values


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _values(incoming: Incoming) -> dict[str, Any]:
    return form_values(incoming.body.get("view") or {})


def _ref(incoming: Incoming) -> str:
    return str(incoming.metadata().get("ref") or "")


def referral(incoming: Incoming) -> None:
    services = incoming.services
    today = incoming.now.astimezone(services.partnership.timezone).date()
    checked = referral_form.validate(_values(incoming), services.partnership, today)
    if isinstance(checked, dict):
        incoming.ack(response_action="errors", errors=checked)
        return
    view_id = str(incoming.body["view"]["id"])
    incoming.answer_form(incoming.run(referrals.refer, referral_key=view_id, referral=checked))


def start_review(incoming: Incoming) -> None:
    notified_on = _date(_values(incoming).get("notified_on"))
    if notified_on is None:
        incoming.ack(response_action="errors", errors={"notified_on": "Choose the date the notification was sent."})
        return
    incoming.answer_form(incoming.run(referrals.start_review, ref=_ref(incoming), notified_on=notified_on))


def criteria_not_met(incoming: Incoming) -> None:
    reason = str(_values(incoming).get("reason") or "")
    incoming.answer_form(incoming.run(referrals.criteria_not_met, ref=_ref(incoming), reason=reason))


def more_information(incoming: Incoming) -> None:
    question = str(_values(incoming).get("question") or "")
    view_id = str(incoming.body["view"]["id"])
    incoming.answer_form(
        incoming.run(referrals.ask_for_information, ref=_ref(incoming), question=question, request_key=view_id)
    )


def sign_off(incoming: Incoming) -> None:
    values = _values(incoming)
    agency = incoming.metadata().get("agency") or values.get("agency")
    if not agency:
        incoming.ack(response_action="errors", errors={"agency": "Choose the agency you are signing off for."})
        return
    comment = str(values.get("comment") or "")
    incoming.answer_form(incoming.run(signoffs.sign_off, ref=_ref(incoming), agency=str(agency), comment=comment))


def decide(incoming: Incoming) -> None:
    rationale = str(_values(incoming).get("rationale") or "")
    outcome = str(incoming.metadata().get("outcome") or "")
    incoming.answer_form(incoming.run(decisions.decide, ref=_ref(incoming), outcome=outcome, rationale=rationale))


def mark_sent(incoming: Incoming) -> None:
    sent_on = _date(_values(incoming).get("sent_on"))
    if sent_on is None:
        incoming.ack(response_action="errors", errors={"sent_on": "Choose the date it was sent to the Panel."})
        return
    incoming.answer_form(incoming.run(decisions.mark_sent, ref=_ref(incoming), sent_on=sent_on))

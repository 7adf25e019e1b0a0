"""Buttons. Each answers within Slack's 3 seconds, checks who is pressing, then opens a form or acts."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import App

from bot.free_text import clean
from bot.outcomes import Done
from bot.partnership import PARTNER_ROLES
from bot.review.stages import OUTCOMES, is_case_ref
from bot.usecases import decisions, referrals, signoffs
from bot.usecases.decisions import RATIONALE_MAX
from bot.usecases.referrals import REASON_MAX
from bot.usecases.signoffs import COMMENT_MAX
from handlers.guard import Incoming, guarded
from messages import render

TRIAGE_FORMS = {"triage_start": "start_modal", "triage_not_met": "not_met_modal", "triage_more_info": "more_info_modal"}


def register(app: App) -> None:
    for action_id in TRIAGE_FORMS:
        app.action(action_id)(guarded(triage))
    app.action("signoff")(guarded(sign_off))
    app.action(re.compile(r"^decide_[a-z_]+$"))(guarded(decide))
    app.action("endorse")(guarded(endorse))
    app.action("mark_sent")(guarded(mark_sent))


OUT_OF_DATE = "This button is out of date or not valid. Use the one on the current card."


def _pressed(incoming: Incoming) -> tuple[str, str, str]:
    """(action id, case reference, the rest of the value): a button's value is `ref` or `ref|detail`."""
    action = incoming.body["actions"][0]
    ref, _, detail = clean(action.get("value"))[:80].partition("|")
    return str(action.get("action_id", "")), ref, detail


def _where(incoming: Incoming) -> dict[str, Any]:
    """Remember where the button was, so the form's answer can go back there."""
    channel = (incoming.body.get("channel") or {}).get("id") or (incoming.body.get("container") or {}).get("channel_id")
    return {"channel": channel}


def _open(incoming: Incoming, template: str, **values: Any) -> None:
    incoming.client.views_open(trigger_id=incoming.body["trigger_id"], view=render(template, **values))


def _metadata(incoming: Incoming, **values: Any) -> str:
    return json.dumps({**_where(incoming), **values})


def _allowed(incoming: Incoming, check: Any, **arguments: Any) -> Done | None:
    """Run a use case's check before its form opens; answer the user if the form may not open."""
    if not is_case_ref(arguments.get("ref")):
        incoming.tell(OUT_OF_DATE)
        return None
    outcome = incoming.run(check, **arguments)
    if isinstance(outcome, Done):
        return outcome
    incoming.show(outcome)
    return None


def triage(incoming: Incoming) -> None:
    incoming.ack()
    action_id, ref, _ = _pressed(incoming)
    if (allowed := _allowed(incoming, referrals.check_triage, ref=ref)) is None:
        return
    _open(
        incoming,
        TRIAGE_FORMS[action_id],
        ref=ref,
        notified_on=allowed.data["notified_on"],
        reason_max=REASON_MAX,
        metadata=_metadata(incoming, ref=ref),
    )


def sign_off(incoming: Incoming) -> None:
    incoming.ack()
    _, ref, pressed_agency = _pressed(incoming)
    if (allowed := _allowed(incoming, signoffs.check_sign_off, ref=ref)) is None:
        return
    keys: list[str] = allowed.data["agencies"]
    # The line pressed decides when this person leads it; otherwise ask which agency they mean.
    if pressed_agency in keys:
        keys = [pressed_agency]
    partnership = incoming.services.partnership
    agencies = [{"key": key, "name": partnership.agency_name(key)} for key in keys]
    _open(
        incoming,
        "signoff_modal",
        ref=ref,
        agencies=agencies,
        comment_max=COMMENT_MAX,
        metadata=_metadata(incoming, ref=ref, agency=keys[0] if len(keys) == 1 else None),
    )


def decide(incoming: Incoming) -> None:
    incoming.ack()
    action_id, ref, _ = _pressed(incoming)
    outcome_key = action_id.removeprefix("decide_")
    if outcome_key not in OUTCOMES:
        incoming.tell(OUT_OF_DATE)
        return
    if _allowed(incoming, decisions.check_decide, ref=ref) is None:
        return
    _open(
        incoming,
        "decide_modal",
        ref=ref,
        outcome_label=OUTCOMES[outcome_key],
        partners=bool(incoming.services.partnership.partners),
        rationale_max=RATIONALE_MAX,
        metadata=_metadata(incoming, ref=ref, outcome=outcome_key),
    )


def endorse(incoming: Incoming) -> None:
    incoming.ack()
    _, ref, role = _pressed(incoming)
    if role not in PARTNER_ROLES or not is_case_ref(ref):
        incoming.tell(OUT_OF_DATE)
        return
    incoming.show(incoming.run(decisions.endorse, ref=ref, role=role))


def mark_sent(incoming: Incoming) -> None:
    incoming.ack()
    _, ref, _ = _pressed(incoming)
    if _allowed(incoming, decisions.check_mark_sent, ref=ref) is None:
        return
    today = incoming.now.astimezone(incoming.services.partnership.timezone).date()
    _open(incoming, "mark_sent_modal", ref=ref, today=today, metadata=_metadata(incoming, ref=ref))

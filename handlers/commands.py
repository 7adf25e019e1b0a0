"""`/cspr`: one slash command, a few subcommands."""

from __future__ import annotations

import json

from slack_bolt import App

from bot.free_text import clean
from bot.outcomes import Done
from bot.review.referral_form import ABUSE_TYPES, AGE_BANDS, CRITERIA_VIEWS, HARMS, IDENTIFIER_MAX, SUMMARY_MAX
from bot.review.stages import is_case_ref
from bot.usecases import queries, signoffs
from handlers.guard import Incoming, guarded
from messages import render


def register(app: App) -> None:
    app.command("/cspr")(guarded(cspr))


def cspr(incoming: Incoming) -> None:
    words = str(incoming.body.get("text") or "").split()
    name = words[0].lower() if words else "help"
    arguments = words[1:]
    if name == "refer" and not arguments:
        open_referral_form(incoming)
    elif name == "status" and len(arguments) <= 1 and all(is_case_ref(a) for a in arguments):
        status(incoming, arguments[0] if arguments else None)
    elif name == "list" and not arguments:
        list_cases(incoming)
    elif name == "add-agency" and len(arguments) <= 1:
        add_agency(incoming, arguments[0].lower() if arguments else "")
    elif name == "help" and not arguments:
        incoming.ack(**render("help", problem=None))
    else:
        typed = clean(" ".join(words))[:100].replace("`", "'")
        incoming.ack(**render("help", problem=f"I don't know `/cspr {typed}`."))


def open_referral_form(incoming: Incoming) -> None:
    # The trigger expires 3 s after the command: acknowledge, then open the form straight away.
    incoming.ack()
    incoming.client.views_open(
        trigger_id=incoming.body["trigger_id"],
        view=render(
            "referral_modal",
            partnership=incoming.services.partnership,
            metadata=json.dumps({"channel": incoming.body.get("channel_id")}),
            identifier_max=IDENTIFIER_MAX,
            summary_max=SUMMARY_MAX,
            age_bands=AGE_BANDS,
            harms=HARMS,
            abuse_types=ABUSE_TYPES,
            criteria_views=CRITERIA_VIEWS,
        ),
    )


def status(incoming: Incoming, ref: str | None) -> None:
    outcome = incoming.run(queries.case_status, channel_id=incoming.body.get("channel_id", ""), ref=ref)
    if isinstance(outcome, Done):
        incoming.ack(**outcome.data["message"])
    else:
        incoming.show(outcome)


def list_cases(incoming: Incoming) -> None:
    outcome = incoming.run(queries.open_cases)
    if isinstance(outcome, Done):
        incoming.ack(**render("case_list", cases=outcome.data["cases"]))
    else:
        incoming.show(outcome)


def add_agency(incoming: Incoming, agency_key: str) -> None:
    incoming.show(
        incoming.run(signoffs.add_agency, channel_id=incoming.body.get("channel_id", ""), agency_key=agency_key)
    )

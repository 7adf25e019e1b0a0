"""`/cspr` on Slack, words sent to the bot on Teams: one command, a few subcommands."""

from __future__ import annotations

import json

from bot.free_text import clean, iso_date
from bot.outcomes import Done
from bot.review.local_review import NOT_PUBLISHED
from bot.review.referral_form import ABUSE_TYPES, AGE_BANDS, CRITERIA_VIEWS, HARMS, IDENTIFIER_MAX, SUMMARY_MAX
from bot.review.stages import is_case_ref
from bot.usecases import local_reviews, queries, reports, signoffs
from handlers import forms, library
from handlers.turn import Incoming


def cspr(incoming: Incoming) -> None:
    words = incoming.command_words()
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
    elif name == "milestone" and len(arguments) <= 2:
        milestone(incoming, [argument.lower() for argument in arguments])
    elif name == "publish" and len(arguments) <= 1 and all(is_case_ref(a) for a in arguments):
        forms.open_publish(incoming, arguments[0] if arguments else None)
    elif name == "close" and len(arguments) <= 1 and all(is_case_ref(a) for a in arguments):
        forms.open_close(incoming, arguments[0] if arguments else None)
    elif name == "library":
        library_search(incoming, " ".join(arguments))
    elif name == "recommend" and arguments[:1] == ["--national"]:
        national = " ".join(arguments[1:]).strip().strip("\"\u201c\u201d'")
        forms.open_recommend(incoming, national=national)
    elif name == "recommend" and len(arguments) <= 1 and all(is_case_ref(a) for a in arguments):
        forms.open_recommend(incoming, ref=arguments[0] if arguments else None)
    elif name == "report" and len(arguments) <= 1:
        report(incoming, arguments[0] if arguments else None)
    elif name == "help" and not arguments:
        incoming.reply(incoming.render("help", problem=None))
    else:
        typed = clean(" ".join(words))[:100].replace("`", "'")
        incoming.reply(incoming.render("help", problem=f"I don't know `/cspr {typed}`."))


def open_referral_form(incoming: Incoming) -> None:
    incoming.open_form(
        "referral_modal",
        partnership=incoming.services.partnership,
        metadata=json.dumps({"channel": incoming.channel or None}),
        identifier_max=IDENTIFIER_MAX,
        summary_max=SUMMARY_MAX,
        age_bands=AGE_BANDS,
        harms=HARMS,
        abuse_types=ABUSE_TYPES,
        criteria_views=CRITERIA_VIEWS,
    )


def status(incoming: Incoming, ref: str | None) -> None:
    outcome = incoming.run(queries.case_status, channel_id=incoming.channel, ref=ref)
    if isinstance(outcome, Done):
        incoming.reply(outcome.data["message"])
    else:
        incoming.show(outcome)


def list_cases(incoming: Incoming) -> None:
    outcome = incoming.run(queries.open_cases)
    if isinstance(outcome, Done):
        incoming.reply(incoming.render("case_list", **outcome.data))
    else:
        incoming.show(outcome)


def milestone(incoming: Incoming, arguments: list[str]) -> None:
    channel_id = incoming.channel
    if not arguments:
        outcome = incoming.run(local_reviews.milestones, channel_id=channel_id)
        if isinstance(outcome, Done):
            incoming.reply(outcome.data["message"])
        else:
            incoming.show(outcome)
        return
    key = arguments[0]
    if key == NOT_PUBLISHED and len(arguments) == 1:
        forms.open_not_published(incoming, channel_id)
        return
    on = iso_date(arguments[1]) if len(arguments) == 2 else None
    if len(arguments) == 2 and on is None:
        typed = clean(arguments[1])[:20].replace("`", "'")
        incoming.tell(f"`{typed}` is not a date: give it as YYYY-MM-DD, like 2027-03-01, or leave it out for today.")
        return
    incoming.show(incoming.run(local_reviews.record_milestone, channel_id=channel_id, key=key[:32], on=on))


def library_search(incoming: Incoming, words: str) -> None:
    incoming.reply(library.message(incoming, clean(words)))


def add_agency(incoming: Incoming, agency_key: str) -> None:
    incoming.show(incoming.run(signoffs.add_agency, channel_id=incoming.channel, agency_key=agency_key))


def report(incoming: Incoming, year: str | None) -> None:
    """The headline figures of a reporting year, here and now; its charts follow by direct message."""
    if year is not None and not (len(year) == 4 and year.isascii() and year.isdigit()):
        typed = clean(year)[:20].replace("`", "'")
        incoming.tell(f"`{typed}` is not a year: `/cspr report 2026` is the reporting year that starts in 2026.")
        return
    outcome = incoming.run(reports.headline, year=int(year) if year else None)
    if isinstance(outcome, Done):
        incoming.reply(outcome.data["message"])
    else:
        incoming.show(outcome)

"""A page of the learning library, shown as an ephemeral answer or inside the search form."""

from __future__ import annotations

from typing import Any

from bot.learning.entries import MATERIALS, STATUSES
from bot.outcomes import Done
from bot.usecases import library
from handlers.guard import Incoming
from messages import render

WORDS_MAX = 200


def _page(incoming: Incoming, words: str, offset: int) -> dict[str, Any]:
    outcome = incoming.run(library.find, words=words[:WORDS_MAX], offset=offset)
    assert isinstance(outcome, Done)
    return {"materials": MATERIALS, "statuses": STATUSES, **outcome.data}


def message(incoming: Incoming, words: str, offset: int = 0) -> dict[str, Any]:
    return render("library_results", **_page(incoming, words, offset))


def view(incoming: Incoming, words: str, offset: int = 0) -> dict[str, Any]:
    return render("library_search_modal", metadata="{}", **_page(incoming, words, offset))

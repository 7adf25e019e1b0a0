"""A page of the learning library, shown as an answer to a command or inside the search form."""

from __future__ import annotations

from typing import Any

from bot.learning.entries import MATERIALS, STATUSES
from bot.outcomes import Done
from bot.usecases import library
from handlers.turn import Incoming

WORDS_MAX = 200


def _page(incoming: Incoming, words: str, offset: int) -> dict[str, Any]:
    outcome = incoming.run(library.find, words=words[:WORDS_MAX], offset=offset)
    assert isinstance(outcome, Done)
    return {"materials": MATERIALS, "statuses": STATUSES, **outcome.data}


def message(incoming: Incoming, words: str, offset: int = 0) -> dict[str, Any]:
    return incoming.render("library_results", **_page(incoming, words, offset))


def show_form(incoming: Incoming, words: str, offset: int = 0, *, update: bool = False) -> None:
    """The search form with the matches under the words: opened, or shown again in place."""
    page = _page(incoming, words, offset)
    if update:
        incoming.update_form("library_search_modal", metadata="{}", **page)
    else:
        incoming.open_form("library_search_modal", metadata="{}", **page)

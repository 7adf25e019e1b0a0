"""Searching the library: by word stems, case-insensitive, title and theme matches first.

Each entry stores its terms, prefixed by where they come from (t: title, h: theme, k: type,
y: year), so a search needs no text processing of the entries at query time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

_WORD = re.compile(r"[^\W_]+")
# A word found in the title or a theme counts for more than one found in the type or year.
_WEIGHTS = {"t": 3, "h": 3, "k": 1, "y": 1}
QUERY_WORDS_MAX = 12


@cache
def _english():
    # Imported when first needed: the package loads the stemmers of thirty languages.
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def stems(text: str) -> list[str]:
    """Lowercased word stems in order, without repeats: "Neglected babies" → neglect, babi."""
    found = _english().stemWords([word.lower() for word in _WORD.findall(text)])
    return list(dict.fromkeys(found))


def terms(title: str, themes: Iterable[str], review_type: str, published: str | None) -> list[str]:
    found = [f"t:{stem}" for stem in stems(title)]
    found += [f"h:{stem}" for theme in themes for stem in stems(theme)]
    found += [f"k:{stem}" for stem in stems(review_type)]
    if published:
        found.append(f"y:{published[:4]}")
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Searchable:
    id: int
    terms: list[str]
    published: str | None


def rank(entries: Iterable[Searchable], query: str) -> list[int]:
    """Ids of the entries that match any word of `query`, best first (the newest first among
    equals); with no words, every entry, newest first."""
    wanted = stems(query)[:QUERY_WORDS_MAX]
    scored = []
    for entry in entries:
        present = set(entry.terms)
        score = sum(
            max((weight for field, weight in _WEIGHTS.items() if f"{field}:{stem}" in present), default=0)
            for stem in wanted
        )
        if score or not wanted:
            scored.append((score, entry.published or "", entry.id))
    scored.sort(reverse=True)
    return [entry_id for _, _, entry_id in scored]

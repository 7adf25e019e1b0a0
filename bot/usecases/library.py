"""The learning library: searched by anyone (published reviews are public information), loaded
from and written back to files by an administrator."""

from __future__ import annotations

from typing import Any

from bot.desk import read_only
from bot.learning import search
from bot.learning.entries import Review, import_key
from bot.outcomes import Done, Outcome
from bot.work import Work
from storage import repositories
from storage.models import LibraryEntry

PAGE = 10


@read_only
def find(work: Work, actor: str, words: str, offset: int = 0) -> Outcome:
    """One page of the best matches for `words` (the newest entries when there are none)."""
    ranked = search.rank(
        (search.Searchable(row.id, row.terms, row.published) for row in repositories.library_terms(work.session)),
        words,
    )
    offset = max(0, min(offset, len(ranked)))
    entries = repositories.library_entries_by_id(work.session, ranked[offset : offset + PAGE])
    return Done(
        changed=False,
        data={
            "words": words,
            "offset": offset,
            "total": len(ranked),
            "entries": [review_of(entry) for entry in entries],
            "next_offset": offset + PAGE if offset + PAGE < len(ranked) else None,
        },
    )


def review_of(entry: LibraryEntry) -> Review:
    return Review(
        title=entry.title,
        review_type=entry.review_type,
        published=entry.published,
        themes=tuple(entry.themes),
        links=dict(entry.links),
        status=entry.status,
    )


def load(work: Work, actor: str, reviews: list[Review], source: str) -> Outcome:
    """Add the reviews of a file, or bring entries of the same type and title up to date with it;
    loading the same file again changes nothing."""
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    for review in reviews:
        key = import_key(review.title, review.review_type)
        entry = repositories.library_entry(work.session, key)
        fields: dict[str, Any] = {
            "title": review.title,
            "review_type": review.review_type,
            "published": review.published,
            "themes": list(review.themes),
            "links": dict(review.links),
            "status": review.status,
        }
        if entry is not None and all(getattr(entry, name) == value for name, value in fields.items()):
            counts["unchanged"] += 1
            continue
        if entry is None:
            entry = LibraryEntry(entry_key=key, added_at=work.now)
            work.session.add(entry)
            counts["added"] += 1
        else:
            counts["updated"] += 1
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.terms = search.terms(review.title, review.themes, review.review_type, review.published)
        entry.updated_at = work.now
    changed = bool(counts["added"] or counts["updated"])
    if changed:
        work.session.flush()
        work.audit(actor, "library_imported", None, source=source[-120:], **counts)
    return Done(changed=changed, data=counts)


@read_only
def everything(work: Work, actor: str) -> Outcome:
    """Every entry, in the order it was added, for writing the library back out."""
    return Done(
        changed=False, data={"reviews": [review_of(entry) for entry in repositories.library_entries(work.session)]}
    )

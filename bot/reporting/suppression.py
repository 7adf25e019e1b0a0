"""Counts of children by a personal characteristic, with small numbers hidden so that no child can
be picked out of a table. Pure: counts in, what may be shown out.

The rule, with `n` the partnership's `report.suppress_below` (5 unless set):

1. Every count below `n`, zero included, is shown as "fewer than n".
2. In a breakdown where each child is in exactly one group (age band, harm), the groups add up to
   the number of referrals, which the report shows. So if any group is hidden, the largest other
   group is withheld too (ties: the first in the list). A withheld group is only known to be at
   least as big as every group still shown, so moving one child from a hidden small group into it
   fits the total just as well: no count from 1 to n-1 can be worked out by subtraction.
3. If every group of such a breakdown is below `n` there is no large group to withhold, so the
   total itself is withheld (the number of referrals is not shown either), unless it is zero.

Groups a child can be in several of at once (abuse types) add up to nothing, so rule 1 is enough.
"""

from __future__ import annotations

WITHHELD = "withheld"

Shown = int | str


def fewer_than(threshold: int) -> str:
    return f"fewer than {threshold}"


def overlapping(counts: dict[str, int], threshold: int) -> dict[str, Shown]:
    """Groups a child may be in several of: small counts hidden, nothing else (rule 1)."""
    return {group: count if count >= threshold else fewer_than(threshold) for group, count in counts.items()}


def partition(counts: dict[str, int], threshold: int) -> tuple[dict[str, Shown], bool]:
    """Groups each child is in exactly one of: what may be shown of each, and whether their total
    must be withheld as well (rules 1 to 3)."""
    shown = overlapping(counts, threshold)
    if all(value == count for value, count in zip(shown.values(), counts.values())):
        return shown, False
    large = [group for group, count in counts.items() if count >= threshold]
    if not large:
        return shown, sum(counts.values()) > 0
    shown[max(large, key=lambda group: counts[group])] = WITHHELD
    return shown, False

"""The audit trail's hash chain: how an entry's hash is made, and checking the whole chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def entry_hash(
    prev_hash: str, entry_id: int, at: datetime, actor: str, action: str, case_id: int | None, detail: dict[str, Any]
) -> str:
    canonical = json.dumps(
        {
            "id": entry_id,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "case_id": case_id,
            "detail": detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_bad: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.first_bad is None


def verify(entries: Iterable[Any]) -> ChainReport:
    """Recompute the chain over entries in id order; name the first one that does not fit."""
    previous_id, previous_hash, count = 0, GENESIS, 0
    for entry in entries:
        count += 1
        if entry.id != previous_id + 1:
            missing = (
                f"entry {previous_id + 1}"
                if entry.id == previous_id + 2
                else f"entries {previous_id + 1} to {entry.id - 1}"
            )
            return ChainReport(count, previous_id + 1, f"{missing} missing before entry {entry.id}")
        if entry.prev_hash != previous_hash:
            return ChainReport(count, entry.id, f"entry {entry.id} does not link to entry {previous_id}")
        expected = entry_hash(
            entry.prev_hash, entry.id, entry.at, entry.actor, entry.action, entry.case_id, entry.detail
        )
        if entry.hash != expected:
            return ChainReport(
                count, entry.id, f"entry {entry.id} ({entry.action} by {entry.actor}) was changed after it was written"
            )
        previous_id, previous_hash = entry.id, entry.hash
    return ChainReport(count)

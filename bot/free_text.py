"""Cleaning text that people type, before it is stored or shown anywhere."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# C0/C1 controls except tab and newline, and the bidirectional overrides and isolates that can
# make text display in a different order from how it is stored.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BLANK_RUNS = re.compile(r"\n{3,}")


def clean(text: object) -> str:
    """Text as stored and shown: NFC, no invisible controls, tidy blank lines. Anything that is
    not text (a tampered form can send lists or numbers) counts as nothing typed."""
    if not isinstance(text, str) or not text:
        return ""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INVISIBLE.sub("", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()


def iso_date(value: object) -> date | None:
    """A date picked in a form (2026-01-05); anything else, from a tampered form, is no date."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None

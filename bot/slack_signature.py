"""Slack's signature on a request, checked in front of Bolt: a refused request is never parsed,
dispatched or logged by it (Bolt's own check logs a refused request's whole body)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from slack_sdk.signature import SignatureVerifier

MAX_AGE = 5 * 60  # seconds; Slack's advice, so that a captured request cannot be replayed later


@dataclass(frozen=True)
class Verdict:
    refusal: str | None  # why the request is not Slack's, or None when it is
    signed_at: int | None = None  # the time Slack signed, once the signature holds (even when too old)


class SlackSignature:
    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)

    def check(self, body: bytes, timestamp: str | None, signature: str | None, now: float) -> Verdict:
        if not timestamp or not signature:
            return Verdict("not signed")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return Verdict("malformed signature timestamp")
        expected = self._verifier.generate_signature(timestamp=timestamp, body=body) or ""
        # Header values arrive as latin-1 text; bytes compare safely whatever they hold.
        if not hmac.compare_digest(expected.encode(), signature.encode("latin-1", "replace")):
            return Verdict("bad signature")
        age = now - int(timestamp)
        if abs(age) > MAX_AGE:
            when = "ago" if age > 0 else "ahead"
            return Verdict(f"signed {abs(age):.0f} s {when}, more than {MAX_AGE} s from the host clock", int(timestamp))
        return Verdict(None, int(timestamp))

"""What a use case answers, for the handler to show: done, refused, or invalid input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Done:
    """It happened (or had already happened: `changed` is False). `reply` is for the actor only."""

    reply: str | None = None
    changed: bool = True
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Refused:
    """Not possible at this stage, or (`unauthorised`) not this person's to do. Nothing changed;
    `reason` says why. Unauthorised attempts are audited by the desk."""

    reason: str
    unauthorised: bool = False


def not_allowed(reason: str) -> Refused:
    return Refused(reason, unauthorised=True)


@dataclass(frozen=True)
class Invalid:
    """Form input to correct, keyed by the form's block ids."""

    errors: dict[str, str]


Outcome = Done | Refused | Invalid

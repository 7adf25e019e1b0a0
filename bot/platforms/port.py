"""What a chat platform must do for the desk: the port that Slack and Teams each adapt.

The outbox (bot/delivery/outbox.py) decides what is sent when, once, and what a failure means;
a messenger only makes the platform's calls. Messages are what the platform's templates render
(messages/templates/<platform>/); a message is found again by the key it was posted with, so a
send whose outcome is unknown is looked for before it is repeated.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CallFailure:
    error: str
    permanent: bool  # trying again will not help
    maybe_done: bool  # the platform may have acted although we got no success answer
    retry_after: int | None = None

    @property
    def refused(self) -> bool:
        """The platform answered and said no, rather than being out of reach, failing or busy."""
        return not self.maybe_done and self.error != "ratelimited"


class Failed(Exception):
    """A call failed in a way the messenger has already classified."""

    def __init__(self, failure: CallFailure) -> None:
        super().__init__(failure.error)
        self.failure = failure


class Gone(Exception):
    """The message to edit is no longer there (someone deleted it): post it again."""


@dataclass(frozen=True)
class Space:
    """A private place for one case: a Slack private channel, a Teams group chat or private channel."""

    id: str
    name: str


# Errors after which there is nothing more to do for a card or an invite: the space or the
# message is gone. Each messenger reports its platform's answers in these words.
ARCHIVED = "is_archived"
SPACE_GONE = {ARCHIVED, "channel_not_found", "not_in_channel"}


class Messenger(ABC):
    platform: str

    @abstractmethod
    def conversation(self, destination: str) -> str:
        """The conversation to post in: a space's id as given, a person's id as their direct chat."""

    @abstractmethod
    def post(self, conversation: str, message: dict[str, Any], key: str) -> str:
        """Post `message`, marked with `key`; returns the message's id."""

    @abstractmethod
    def find_posted(self, conversation: str, key: str) -> str | None:
        """The id of a message this bot posted with `key`, if it is there."""

    @abstractmethod
    def update(self, conversation: str, message_id: str, message: dict[str, Any], key: str) -> None:
        """Edit a message in place; raises `Gone` if it was deleted."""

    @abstractmethod
    def pin(self, conversation: str, message_id: str) -> None:
        """Pin a message where the platform lets a bot (pinning twice is not an error)."""

    @abstractmethod
    def open_space(self, name: str, members: list[str], owned_unused: Any) -> Space | None:
        """Make a private space called `name` with `members` in it, or None if the name is taken
        by one that is not ours to reuse. `owned_unused(space_id)` tells whether a space this bot
        made is not yet any case's (an earlier attempt's whose answer was lost)."""

    @abstractmethod
    def invite(self, space: str, users: list[str]) -> list[str]:
        """Add people to a case's space; returns the problems the platform named (none if all are in)."""

    @abstractmethod
    def archive(self, space: str, name: str) -> None:
        """Close a case's space to new messages (archiving twice is not an error)."""

    @abstractmethod
    def publish_home(self, user: str, view: dict[str, Any]) -> None:
        """Show a person their own view of what waits for them."""

    @abstractmethod
    def share_image(self, conversation: str, png: bytes, filename: str, title: str, alt: str) -> str:
        """Share a picture in a conversation; returns its id."""

    @abstractmethod
    def find_image(self, conversation: str, filename: str) -> str | None:
        """The id of a picture already shared in `conversation` under `filename`."""

    @abstractmethod
    def classify(self, exc: Exception) -> CallFailure | None:
        """What a failed call means for trying again, or None if it is not about the platform."""

"""Where Teams conversations are reached: kept as they are heard from, read before each send."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import TeamsConversation


def remember(
    session: Session, conversation_id: str, service_url: str, now: datetime, user_id: str | None = None
) -> None:
    """Keep a conversation's service URL (and, for a 1:1 chat, whose it is) up to date. Several
    requests may bring the same conversation at once: one row, whichever writes last."""
    if user_id is not None:
        # A person has one 1:1 chat with the bot: a new id for it replaces the old.
        session.execute(
            delete(TeamsConversation).where(
                TeamsConversation.user_id == user_id, TeamsConversation.id != conversation_id
            )
        )
    values = {"id": conversation_id, "service_url": service_url, "user_id": user_id, "seen_at": now}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    changed = {"service_url": service_url, "seen_at": now} | ({"user_id": user_id} if user_id else {})
    statement = insert(TeamsConversation).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=changed))


def conversation(session: Session, conversation_id: str) -> TeamsConversation | None:
    return session.get(TeamsConversation, conversation_id)


def personal_chat(session: Session, user_id: str) -> TeamsConversation | None:
    return session.scalars(select(TeamsConversation).where(TeamsConversation.user_id == user_id)).first()

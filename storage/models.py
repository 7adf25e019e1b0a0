"""Tables. Uniqueness that the process depends on lives here, in the database, not only in Python."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, MetaData, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (no zones) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


class CaseSequence(Base):
    """Last case number issued per year, so references run 2026-001, 2026-002, ... without gaps."""

    __tablename__ = "case_sequences"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int]


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("ref_year", "ref_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(16), unique=True)
    ref_year: Mapped[int]
    ref_seq: Mapped[int]
    # The referral form's Slack view id: a form submitted twice still makes one case.
    referral_key: Mapped[str] = mapped_column(String(64), unique=True)
    stage: Mapped[str] = mapped_column(String(32), index=True)

    referring_agency: Mapped[str] = mapped_column(String(32))
    referred_by: Mapped[str] = mapped_column(String(64))
    referred_at: Mapped[datetime]
    # Identifiable free text: never sent to Slack, cleared by retention.
    child_identifier: Mapped[str | None] = mapped_column(String(20))
    summary: Mapped[str | None] = mapped_column(Text)
    age_band: Mapped[str] = mapped_column(String(16))
    harm: Mapped[str] = mapped_column(String(16))
    abuse_types: Mapped[list[str]]
    incident_on: Mapped[date]
    aware_on: Mapped[date]
    criteria_view: Mapped[str] = mapped_column(String(8))
    notification_due: Mapped[date]

    notified_on: Mapped[date | None]
    review_due: Mapped[date | None]
    channel_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    channel_name: Mapped[str | None] = mapped_column(String(80))
    sent_to_panel_on: Mapped[date | None]
    closed_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(String(32))
    closure_note: Mapped[str | None] = mapped_column(Text)
    # Set when Slack reports the case channel archived: nothing more is posted there.
    channel_archived_at: Mapped[datetime | None]
    # Set when retention removed the identifiable free text of a long-closed case.
    redacted_at: Mapped[datetime | None]

    agencies: Mapped[list[CaseAgency]] = relationship(
        back_populates="case", order_by="CaseAgency.id", cascade="all, delete-orphan"
    )
    signoffs: Mapped[list[SignOff]] = relationship(back_populates="case", order_by="SignOff.id")
    decision: Mapped[Decision | None] = relationship(back_populates="case")
    info_requests: Mapped[list[InfoRequest]] = relationship(back_populates="case", order_by="InfoRequest.id")
    panel_answer: Mapped[PanelAnswer | None] = relationship(back_populates="case")
    local_review: Mapped[LocalReview | None] = relationship(back_populates="case")
    milestones: Mapped[list[Milestone]] = relationship(back_populates="case", order_by="Milestone.id")
    library_entry: Mapped[LibraryEntry | None] = relationship(back_populates="case")


class CaseAgency(Base):
    __tablename__ = "case_agencies"
    __table_args__ = (UniqueConstraint("case_id", "agency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    agency_key: Mapped[str] = mapped_column(String(32))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime]
    case: Mapped[Case] = relationship(back_populates="agencies")


class SignOff(Base):
    __tablename__ = "signoffs"
    __table_args__ = (UniqueConstraint("case_id", "agency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    agency_key: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime]
    case: Mapped[Case] = relationship(back_populates="signoffs")


class Decision(Base):
    """The PPRG recommendation; final once every safeguarding partner has endorsed it."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(32))
    rationale: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime]
    final_at: Mapped[datetime | None]
    case: Mapped[Case] = relationship(back_populates="decision")
    endorsements: Mapped[list[Endorsement]] = relationship(back_populates="decision", order_by="Endorsement.id")


class Endorsement(Base):
    __tablename__ = "endorsements"
    __table_args__ = (UniqueConstraint("decision_id", "partner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    partner: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(64))
    endorsed_at: Mapped[datetime]
    decision: Mapped[Decision] = relationship(back_populates="endorsements")


class InfoRequest(Base):
    __tablename__ = "info_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The question form's Slack view id: the same submission delivered twice asks once.
    request_key: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    asked_by: Mapped[str] = mapped_column(String(64))
    question: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[datetime]
    case: Mapped[Case] = relationship(back_populates="info_requests")


class PanelAnswer(Base):
    """The Panel's answer to the rapid review and the decision, recorded once."""

    __tablename__ = "panel_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    answer: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)  # free text: cleared by retention
    answered_on: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]
    case: Mapped[Case] = relationship(back_populates="panel_answer")


class LocalReview(Base):
    """A local CSPR: when it was decided on (its publication target counts from then), by whom,
    and any decision not to publish it in full."""

    __tablename__ = "local_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    decided_on: Mapped[date]
    requested_by: Mapped[str] = mapped_column(String(16))  # partners | panel
    publication: Mapped[str | None] = mapped_column(String(16))  # not_published | summary_only
    publication_reasons: Mapped[str | None] = mapped_column(Text)  # free text: cleared by retention
    publication_decided_by: Mapped[str | None] = mapped_column(String(64))
    publication_decided_at: Mapped[datetime | None]
    case: Mapped[Case] = relationship(back_populates="local_review")


class Milestone(Base):
    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("case_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    key: Mapped[str] = mapped_column(String(24))
    on: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]
    case: Mapped[Case] = relationship(back_populates="milestones")


class LibraryEntry(Base):
    """A published review in the learning library: from a case here, or imported. Public
    information only: a title, the type, when, themes and links to the published material."""

    __tablename__ = "library_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What makes an entry the same one again: its case, or an imported entry's type and title.
    entry_key: Mapped[str] = mapped_column(String(240), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    review_type: Mapped[str] = mapped_column(String(24))
    published: Mapped[str | None] = mapped_column(String(10))  # YYYY, YYYY-MM or YYYY-MM-DD
    status: Mapped[str] = mapped_column(String(16), default="published")
    themes: Mapped[list[str]]
    links: Mapped[dict[str, Any]]
    # Word stems of the title, themes, type and year, for search.
    terms: Mapped[list[str]]
    added_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    case: Mapped[Case | None] = relationship(back_populates="library_entry")


class Recommendation(Base):
    """A recommendation of a review: from a case here, or from a national review in the library."""

    __tablename__ = "recommendations"
    __table_args__ = (UniqueConstraint("case_id", "number"), UniqueConstraint("library_entry_id", "number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # The form's Slack view id: the same submission delivered twice records one recommendation.
    request_key: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    library_entry_id: Mapped[int | None] = mapped_column(ForeignKey("library_entries.id"))
    number: Mapped[int]  # 1, 2, ... within its review
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    case: Mapped[Case | None] = relationship()
    library_entry: Mapped[LibraryEntry | None] = relationship()
    actions: Mapped[list[Action]] = relationship(back_populates="recommendation", order_by="Action.number")


class Action(Base):
    """What an agency does about a recommendation: owned by one of its leads, due on a date; open,
    completed by its owner, then signed off by the PPRG chair or business manager."""

    __tablename__ = "actions"
    __table_args__ = (UniqueConstraint("recommendation_id", "number"), Index("ix_actions_state", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_key: Mapped[str] = mapped_column(String(64), unique=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"))
    number: Mapped[int]  # 1, 2, ... within its recommendation
    agency_key: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[date]
    measure: Mapped[str | None] = mapped_column(Text)  # how success will be known (optional)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | completed | signed_off
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    signed_off_by: Mapped[str | None] = mapped_column(String(64))
    signed_off_at: Mapped[datetime | None]
    recommendation: Mapped[Recommendation] = relationship(back_populates="actions")
    updates: Mapped[list[ActionUpdate]] = relationship(back_populates="action", order_by="ActionUpdate.id")


class ActionUpdate(Base):
    """Progress, completion (with its evidence), sign-off or reopening of an action."""

    __tablename__ = "action_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    kind: Mapped[str] = mapped_column(String(16))  # progress | completed | signed_off | reopened
    note: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))  # the evidence of a completion: https only
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    action: Mapped[Action] = relationship(back_populates="updates")


class HomeTab(Base):
    """A person's App Home, rebuilt when they open it and whenever a change concerns them; like a
    card, `version` runs ahead of `synced_version` until delivery has published it."""

    __tablename__ = "home_tabs"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    synced_version: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))


class Card(Base):
    """A message the bot keeps in step with a case (triage card, pinned case card, decision card,
    a delegate's endorsement card). Changes bump `version`; delivery posts or edits the message
    until `synced_version` catches up, so the newest state always wins and no edit is lost."""

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("case_id", "kind"),
        # Delivery looks only for the cards still to post or edit.
        Index("ix_cards_unsynced", "id", sqlite_where=text("synced_version < version"),
              postgresql_where=text("synced_version < version")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a card about no case: a national review's recommendation and its actions.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(48))
    # Where it goes: a channel id, or a user id for a direct message (resolved on first post).
    destination: Mapped[str] = mapped_column(String(128))
    pin: Mapped[bool] = mapped_column(default=False)
    channel_id: Mapped[str | None] = mapped_column(String(128))
    ts: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    synced_version: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))


class Claim(Base):
    """The ledger of time-driven work: a countdown edit, a reminder, a digest is claimed under a
    key such as `2026-004|reminder|5` before anything is queued, so it happens once however many
    ticks or processes reach it."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    claimed_at: Mapped[datetime]


class OutboxMessage(Base):
    """A notice to send exactly once. `key` is the claim: a second claim of the same notice fails
    on the unique constraint, inside the transaction that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(16), default="slack")  # where it goes: slack | teams
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    # Set when an attempt may have reached the platform without an answer: the next attempt looks first.
    outcome_unknown: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]


class AuditEvent(Base):
    """Append-only record of who did what, when, and the Slack ids involved. Each entry carries
    the hash of the one before it, so an edited or deleted entry breaks the chain (see
    `bot.audit`); database triggers refuse updates and deletes."""

    __tablename__ = "audit_events"

    # Numbered by the appender, not a sequence: the chain has no gaps to explain.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    detail: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ProcessedEvent(Base):
    """Events API deliveries already handled, by Slack's event id, so retries and a second
    instance receiving the same event do nothing twice."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime]


class TeamsConversation(Base):
    """Where a Teams conversation is reached: the Bot Connector address (`serviceUrl`) it was last
    heard from, and for a person's 1:1 chat with the bot, whose it is."""

    __tablename__ = "teams_conversations"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    service_url: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    seen_at: Mapped[datetime]

"""Questions the rules and the delivery ask of the database. The only module that writes SQL."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, raiseload, selectinload

from storage.audit_chain import GENESIS, entry_hash
from storage.models import (
    Action,
    ActionUpdate,
    AuditEvent,
    Card,
    Case,
    CaseSequence,
    Claim,
    Decision,
    HomeTab,
    InfoRequest,
    LibraryEntry,
    LocalReview,
    Milestone,
    OutboxMessage,
    PanelAnswer,
    ProcessedEvent,
    Recommendation,
    SignOff,
)


def next_case_number(session: Session, year: int) -> int:
    """Reserve the next number for `year`; concurrent callers queue on the row lock."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(CaseSequence).values(year=year, last=0).on_conflict_do_nothing())
    return session.execute(
        update(CaseSequence)
        .where(CaseSequence.year == year)
        .values(last=CaseSequence.last + 1)
        .returning(CaseSequence.last)
    ).scalar_one()


# Any constant will do; every instance must use the same one.
_AUDIT_LOCK = 0x41554454
# Where a session keeps (its transaction, the id and hash it appended last).
_AUDIT_TAIL = "audit_tail"


def append_audit(
    session: Session, at: datetime, actor: str, action: str, case_id: int | None, detail: dict[str, Any]
) -> AuditEvent:
    """Add the next entry to the hash-chained audit trail. Appends queue one after another
    (PostgreSQL: a transaction-scoped advisory lock; SQLite: the write lock every transaction
    already holds), so the chain never forks."""
    transaction = session.get_transaction()
    tail = session.info.get(_AUDIT_TAIL)
    if tail is not None and tail[0] is transaction:
        # This transaction holds the lock and appended last: the chain ends where it left it.
        _, previous_id, previous_hash = tail
    else:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK})
        last = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
        previous_id, previous_hash = (last.id, last.hash) if last else (0, GENESIS)
    entry_id = previous_id + 1
    event = AuditEvent(
        id=entry_id,
        at=at,
        actor=actor,
        action=action,
        case_id=case_id,
        detail=detail,
        prev_hash=previous_hash,
        hash=entry_hash(previous_hash, entry_id, at, actor, action, case_id, detail),
    )
    session.add(event)
    session.info[_AUDIT_TAIL] = (transaction, entry_id, event.hash)
    return event


def audit_trail(session: Session, *, batch: int = 1000) -> Iterator[AuditEvent]:
    """Every audit entry in order, read in batches so a long trail does not fill memory."""
    after = 0
    while True:
        rows = list(
            session.scalars(select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id).limit(batch))
        )
        if not rows:
            return
        yield from rows
        after = rows[-1].id
        session.expunge_all()


def audit_of_case(session: Session, case_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)))


def first_delivery(session: Session, event_id: str, at: datetime) -> bool:
    """Record an Events API delivery; False if this event was handled before."""
    return _insert_unless_taken(session, ProcessedEvent(event_id=event_id, received_at=at))


def _case_query():
    return select(Case).options(
        selectinload(Case.agencies),
        selectinload(Case.signoffs),
        selectinload(Case.decision).selectinload(Decision.endorsements),
        selectinload(Case.info_requests),
        selectinload(Case.panel_answer),
        selectinload(Case.local_review),
        selectinload(Case.milestones),
        selectinload(Case.library_entry),
    )


def case_by_ref(session: Session, ref: str, *, lock: bool = False) -> Case | None:
    """With `lock`, later changes to the case wait for this transaction (PostgreSQL row lock;
    SQLite already holds the database write lock)."""
    return _one_case(session, _case_query().where(Case.ref == ref), lock)


def case_by_id(session: Session, case_id: int, *, lock: bool = False) -> Case | None:
    return _one_case(session, _case_query().where(Case.id == case_id), lock)


def _one_case(session: Session, query: Any, lock: bool) -> Case | None:
    if lock:
        # Read afresh once the lock is ours: a copy read earlier in this session may be stale.
        query = query.with_for_update(of=Case).execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def cases_by_id(session: Session, case_ids: Collection[int], *, lock: bool = False) -> dict[int, Case]:
    """Several cases by id; with `lock`, locked in id order, so that two callers locking
    overlapping sets queue rather than deadlock."""
    query = _case_query().where(Case.id.in_(case_ids)).order_by(Case.id)
    if lock:
        query = query.with_for_update(of=Case).execution_options(populate_existing=True)
    return {case.id: case for case in session.scalars(query)}


def case_by_channel(session: Session, channel_id: str) -> Case | None:
    return session.scalars(_case_query().where(Case.channel_id == channel_id)).one_or_none()


def case_by_referral(session: Session, referral_key: str) -> Case | None:
    return session.scalars(select(Case).where(Case.referral_key == referral_key)).one_or_none()


def info_request(session: Session, request_key: str) -> InfoRequest | None:
    return session.scalars(select(InfoRequest).where(InfoRequest.request_key == request_key)).one_or_none()


def case_dates(session: Session, stages: tuple[str, ...], case_ids: Collection[int] | None = None) -> list[Any]:
    """For each case in these stages (or those of them given), in one query: its id and reference, and
    every date its timetable depends on, named as in `bot.review.timetable.CaseDates`."""
    report_sent, published = aliased(Milestone), aliased(Milestone)
    query = (
        select(
            Case.id,
            Case.ref,
            Case.stage,
            Case.notification_due,
            Case.review_due,
            Case.sent_to_panel_on,
            PanelAnswer.id.is_not(None).label("panel_answered"),
            LocalReview.decided_on.label("review_decided_on"),
            report_sent.on.label("report_sent_on"),
            or_(published.id.is_not(None), LocalReview.publication.is_not(None)).label("publication_settled"),
        )
        .outerjoin(PanelAnswer, PanelAnswer.case_id == Case.id)
        .outerjoin(LocalReview, LocalReview.case_id == Case.id)
        .outerjoin(report_sent, and_(report_sent.case_id == Case.id, report_sent.key == "sent"))
        .outerjoin(published, and_(published.case_id == Case.id, published.key == "published"))
        .where(Case.stage.in_(stages))
        .order_by(Case.id)
    )
    if case_ids is not None:
        query = query.where(Case.id.in_(case_ids))
    return list(session.execute(query))


def cases_in(session: Session, stages: tuple[str, ...]) -> list[Case]:
    return list(session.scalars(_case_query().where(Case.stage.in_(stages)).order_by(Case.id)))


def case_countdowns(session: Session, stages: tuple[str, ...], limit: int) -> list[Case]:
    """The first `limit` cases in these stages, with no more than their deadlines need (a local
    review and its milestones), however many there are. Anything else raises."""
    query = select(Case).options(selectinload(Case.local_review), selectinload(Case.milestones), raiseload("*"))
    return list(session.scalars(query.where(Case.stage.in_(stages)).order_by(Case.id).limit(limit)))


def count_cases_in(session: Session, stages: tuple[str, ...]) -> int:
    return session.scalar(select(func.count()).select_from(Case).where(Case.stage.in_(stages))) or 0


def closed_unredacted(session: Session, closed_stage: str, closed_before: datetime) -> list[Case]:
    return list(
        session.scalars(
            _case_query()
            .where(Case.stage == closed_stage, Case.closed_at < closed_before, Case.redacted_at.is_(None))
            .order_by(Case.id)
            .with_for_update(of=Case)
        )
    )


def scrub_outbox(session: Session, case_id: int) -> int:
    """Drop the rendered text of a case's finished outbox messages; returns how many."""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.case_id == case_id, OutboxMessage.status != "pending")
        .values(payload={"removed": "retention"})
    ).rowcount


def card(session: Session, case_id: int | None, kind: str) -> Card | None:
    about = Card.case_id.is_(None) if case_id is None else Card.case_id == case_id
    return session.scalars(select(Card).where(about, Card.kind == kind)).one_or_none()


def _insert_unless_taken(session: Session, row: ProcessedEvent | HomeTab) -> bool:
    """Insert a row whose unique key may already exist. A savepoint keeps the surrounding
    transaction usable when it does (another tick or process got there first)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def claim(session: Session, message: dict[str, Any]) -> bool:
    """Queue an outbox message (its column values) unless one with its key was queued before, or
    is being queued by a transaction that commits first."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(OutboxMessage).values(message).on_conflict_do_nothing(index_elements=[OutboxMessage.key])
    return session.scalar(statement.returning(OutboxMessage.id)) is not None


def claim_slots(session: Session, slots: list[dict[str, Any]]) -> set[str]:
    """Take these slots in the ledger of time-driven work in one statement; returns the keys this
    call took, leaving out those taken before (or by a transaction that commits first: the
    unique key makes the other wait, then skip)."""
    if not slots:
        return set()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Claim).values(slots).on_conflict_do_nothing(index_elements=[Claim.key]).returning(Claim.key)
    return set(session.scalars(statement))


# Keys asked about in one statement: well within SQLite's and PostgreSQL's bound parameters.
_KEYS_AT_ONCE = 1000


def claimed_keys(session: Session, keys: list[str]) -> set[str]:
    taken: set[str] = set()
    for start in range(0, len(keys), _KEYS_AT_ONCE):
        chunk = keys[start : start + _KEYS_AT_ONCE]
        taken.update(session.scalars(select(Claim.key).where(Claim.key.in_(chunk))))
    return taken


def outbox_count(session: Session, case_id: int, kind: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.case_id == case_id, OutboxMessage.kind == kind)
        )
        or 0
    )


def _lease_free(lease_column, now: datetime):
    return or_(lease_column.is_(None), lease_column < now)


def due_outbox_ids(session: Session, now: datetime, limit: int) -> list[int]:
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at <= now,
                _lease_free(OutboxMessage.lease_until, now),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def lease_outbox(session: Session, message_id: int, now: datetime, until: datetime) -> OutboxMessage | None:
    """Take one message for sending; None if another worker has it or it is done."""
    taken = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "pending",
            _lease_free(OutboxMessage.lease_until, now),
        )
        .values(lease_until=until, attempts=OutboxMessage.attempts + 1)
    ).rowcount
    return session.get(OutboxMessage, message_id, populate_existing=True) if taken else None


def next_attempt(session: Session, now: datetime) -> datetime | None:
    """When the earliest notice, card or home tab waiting to be tried again next falls due,
    leaving out those another delivery holds at `now` (it is sending them)."""
    times = [
        session.scalar(
            select(func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.status == "pending", _lease_free(OutboxMessage.lease_until, now)
            )
        ),
        session.scalar(
            select(func.min(Card.next_attempt_at)).where(
                Card.synced_version < Card.version, _lease_free(Card.lease_until, now)
            )
        ),
        session.scalar(
            select(func.min(HomeTab.next_attempt_at)).where(
                HomeTab.synced_version < HomeTab.version, _lease_free(HomeTab.lease_until, now)
            )
        ),
    ]
    return min((time for time in times if time is not None), default=None)


def due_card_ids(session: Session, now: datetime, limit: int) -> list[int]:
    return list(
        session.scalars(
            select(Card.id)
            .where(
                Card.synced_version < Card.version,
                or_(Card.next_attempt_at.is_(None), Card.next_attempt_at <= now),
                _lease_free(Card.lease_until, now),
            )
            .order_by(Card.id)
            .limit(limit)
        )
    )


def lease_card(session: Session, card_id: int, now: datetime, until: datetime) -> Card | None:
    taken = session.execute(
        update(Card)
        .where(Card.id == card_id, Card.synced_version < Card.version, _lease_free(Card.lease_until, now))
        .values(lease_until=until, attempts=Card.attempts + 1)
    ).rowcount
    return session.get(Card, card_id, populate_existing=True) if taken else None


def unfinished_for_channel(session: Session, case_id: int, channel_id: str) -> bool:
    """Whether anything of the case is still to be posted or edited in `channel_id`."""
    pending = session.scalars(
        select(OutboxMessage.payload).where(
            OutboxMessage.case_id == case_id, OutboxMessage.status == "pending", OutboxMessage.kind == "notice"
        )
    )
    if any(payload.get("to") == channel_id for payload in pending):
        return True
    return (
        session.scalar(
            select(func.count())
            .select_from(Card)
            .where(Card.case_id == case_id, Card.channel_id == channel_id, Card.synced_version < Card.version)
        )
        or 0
    ) > 0


# -- the learning library -----------------------------------------------------------------------


def library_entries(session: Session) -> list[LibraryEntry]:
    return list(session.scalars(select(LibraryEntry).order_by(LibraryEntry.id)))


def library_entry(session: Session, entry_key: str) -> LibraryEntry | None:
    return session.scalars(select(LibraryEntry).where(LibraryEntry.entry_key == entry_key)).one_or_none()


def library_terms(session: Session) -> list[Any]:
    """(id, terms, published) of every entry: all a search needs to rank them."""
    return list(session.execute(select(LibraryEntry.id, LibraryEntry.terms, LibraryEntry.published)))


def library_entries_by_id(session: Session, ids: list[int]) -> list[LibraryEntry]:
    found = {entry.id: entry for entry in session.scalars(select(LibraryEntry).where(LibraryEntry.id.in_(ids)))}
    return [found[entry_id] for entry_id in ids if entry_id in found]


# -- App Home tabs --------------------------------------------------------------------------------


def open_home_tab(session: Session, user_id: str) -> None:
    """Someone opened their App Home: (re)build it, and keep it up to date from now on."""
    home = session.get(HomeTab, user_id, with_for_update=True)
    if home is None:
        _insert_unless_taken(session, HomeTab(user_id=user_id, version=1, synced_version=0, attempts=0))
    else:
        home.version += 1


def touch_home_tabs(session: Session, users: list[str]) -> None:
    """The App Homes of these people (those who have one) need rebuilding."""
    if users:
        session.execute(update(HomeTab).where(HomeTab.user_id.in_(users)).values(version=HomeTab.version + 1))


def due_home_ids(session: Session, now: datetime, limit: int) -> list[str]:
    return list(
        session.scalars(
            select(HomeTab.user_id)
            .where(
                HomeTab.synced_version < HomeTab.version,
                or_(HomeTab.next_attempt_at.is_(None), HomeTab.next_attempt_at <= now),
                _lease_free(HomeTab.lease_until, now),
            )
            .order_by(HomeTab.user_id)
            .limit(limit)
        )
    )


def lease_home(session: Session, user_id: str, now: datetime, until: datetime) -> HomeTab | None:
    taken = session.execute(
        update(HomeTab)
        .where(
            HomeTab.user_id == user_id, HomeTab.synced_version < HomeTab.version, _lease_free(HomeTab.lease_until, now)
        )
        .values(lease_until=until, attempts=HomeTab.attempts + 1)
    ).rowcount
    return session.get(HomeTab, user_id, populate_existing=True) if taken else None


# -- action plans ---------------------------------------------------------------------------------


def _action_query():
    return select(Action).options(
        selectinload(Action.recommendation).selectinload(Recommendation.case),
        selectinload(Action.recommendation).selectinload(Recommendation.library_entry),
        selectinload(Action.updates),
    )


def _recommendation_query():
    return select(Recommendation).options(
        selectinload(Recommendation.actions).selectinload(Action.updates),
        selectinload(Recommendation.case),
        selectinload(Recommendation.library_entry),
    )


def recommendation(session: Session, recommendation_id: int, *, lock: bool = False) -> Recommendation | None:
    query = _recommendation_query().where(Recommendation.id == recommendation_id)
    if lock:
        query = query.with_for_update(of=Recommendation).execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def recommendation_by_request(session: Session, request_key: str) -> Recommendation | None:
    return session.scalars(_recommendation_query().where(Recommendation.request_key == request_key)).one_or_none()


def next_recommendation_number(session: Session, case_id: int | None, library_entry_id: int | None) -> int:
    about = (
        Recommendation.case_id == case_id
        if case_id is not None
        else Recommendation.library_entry_id == library_entry_id
    )
    return (session.scalar(select(func.max(Recommendation.number)).where(about)) or 0) + 1


def actions_by_id(session: Session, action_ids: Collection[int], *, lock: bool = False) -> dict[int, Action]:
    """Several actions by id; with `lock`, locked in id order (see `cases_by_id`)."""
    query = _action_query().where(Action.id.in_(action_ids)).order_by(Action.id)
    if lock:
        query = query.with_for_update(of=Action).execution_options(populate_existing=True)
    return {found.id: found for found in session.scalars(query)}


def action(session: Session, action_id: int, *, lock: bool = False) -> Action | None:
    query = _action_query().where(Action.id == action_id)
    if lock:
        query = query.with_for_update(of=Action).execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def action_by_request(session: Session, request_key: str) -> Action | None:
    return session.scalars(_action_query().where(Action.request_key == request_key)).one_or_none()


def action_update(session: Session, request_key: str) -> ActionUpdate | None:
    return session.scalars(select(ActionUpdate).where(ActionUpdate.request_key == request_key)).one_or_none()


def actions_in(session: Session, states: tuple[str, ...], owner: str | None = None) -> list[Action]:
    query = _action_query().where(Action.state.in_(states)).order_by(Action.due_on, Action.id)
    if owner is not None:
        query = query.where(Action.owner == owner)
    return list(session.scalars(query))


def open_action_dates(session: Session, action_id: int | None = None) -> list[Any]:
    """(id, due_on) of every open action (or the one): all a tick needs to know what is due."""
    query = select(Action.id, Action.due_on).where(Action.state == "open").order_by(Action.id)
    if action_id is not None:
        query = query.where(Action.id == action_id)
    return list(session.execute(query))


# -- the yearly report ------------------------------------------------------------------------------


def report_rows(session: Session, start: datetime, end: datetime) -> dict[str, list[Any]]:
    """Everything a report on `start` to `end` (UTC, the end excluded) counts, as rows of
    references, dates, stages, agencies and codes: never a child's identifier, a summary, a note or
    a title. Cases referred before the end and not closed before the start (nothing more happens
    to a case once it is closed); actions made before the end and not signed off before the start,
    with their completions and reopenings; recommendations made before the end; the library."""
    published = aliased(Milestone)
    live_case = and_(Case.referred_at < end, or_(Case.closed_at.is_(None), Case.closed_at >= start))
    live_action = and_(Action.created_at < end, or_(Action.signed_off_at.is_(None), Action.signed_off_at >= start))
    cases = (
        select(
            Case.id,
            Case.ref,
            Case.referred_at,
            Case.age_band,
            Case.harm,
            Case.abuse_types,
            Case.aware_on,
            Case.notified_on,
            Case.sent_to_panel_on,
            Case.closed_at,
            Case.closed_reason,
            Decision.outcome,
            Decision.final_at,
            PanelAnswer.answer.label("panel_answer"),
            PanelAnswer.answered_on,
            LocalReview.decided_on.label("review_decided_on"),
            LocalReview.publication_decided_at,
            published.on.label("published_on"),
        )
        .outerjoin(Decision, Decision.case_id == Case.id)
        .outerjoin(PanelAnswer, PanelAnswer.case_id == Case.id)
        .outerjoin(LocalReview, LocalReview.case_id == Case.id)
        .outerjoin(published, and_(published.case_id == Case.id, published.key == "published"))
        .where(live_case)
        .order_by(Case.id)
    )
    signoffs = (
        select(SignOff.case_id, SignOff.agency_key, SignOff.signed_at)
        .join(Case, Case.id == SignOff.case_id)
        .where(live_case)
        .order_by(SignOff.id)
    )
    # The review a recommendation comes from: its case, or a national review in the library.
    review = (Case.ref, Recommendation.library_entry_id, LibraryEntry.published.label("entry_published"))

    def with_review(query: Any) -> Any:
        return query.outerjoin(Case, Case.id == Recommendation.case_id).outerjoin(
            LibraryEntry, LibraryEntry.id == Recommendation.library_entry_id
        )

    actions = (
        with_review(
            select(Action.id, Action.agency_key, Action.created_at, Action.due_on, Action.signed_off_at, *review).join(
                Recommendation, Recommendation.id == Action.recommendation_id
            )
        )
        .where(live_action)
        .order_by(Action.id)
    )
    updates = (
        select(ActionUpdate.action_id, ActionUpdate.kind, ActionUpdate.at)
        .join(Action, Action.id == ActionUpdate.action_id)
        .where(live_action, ActionUpdate.kind.in_(("completed", "reopened")), ActionUpdate.at < end)
        .order_by(ActionUpdate.at, ActionUpdate.id)
    )
    recommendations = (
        with_review(select(Recommendation.created_at, *review))
        .where(Recommendation.created_at < end)
        .order_by(Recommendation.id)
    )
    library = select(
        LibraryEntry.review_type, LibraryEntry.published, LibraryEntry.themes, LibraryEntry.status
    ).order_by(LibraryEntry.id)
    queries = {
        "cases": cases,
        "signoffs": signoffs,
        "actions": actions,
        "updates": updates,
        "recommendations": recommendations,
        "library": library,
    }
    return {name: list(session.execute(query)) for name, query in queries.items()}

"""Teams: room for Entra object ids and Teams conversation ids, the platform of each notice, and
where each Teams conversation is reached

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# (table, column, nullable): people's ids, 36 characters on Teams
PEOPLE = [
    ("cases", "referred_by", False),
    ("case_agencies", "added_by", False),
    ("signoffs", "user_id", False),
    ("decisions", "decided_by", False),
    ("endorsements", "user_id", False),
    ("info_requests", "asked_by", False),
    ("panel_answers", "recorded_by", False),
    ("local_reviews", "publication_decided_by", True),
    ("milestones", "recorded_by", False),
    ("recommendations", "created_by", False),
    ("actions", "owner", False),
    ("actions", "created_by", False),
    ("actions", "signed_off_by", True),
    ("action_updates", "by", False),
    ("home_tabs", "user_id", False),
    ("audit_events", "actor", False),
]
# conversation ids, like 19:…@thread.tacv2, and message ids
SPACES = [("cases", "channel_id", True, 128), ("cards", "destination", False, 128), ("cards", "channel_id", True, 128)]
MESSAGES = [("cards", "ts", True, 64)]


def _widen(columns: list[tuple[str, str, bool, int]], shrink: bool = False) -> None:
    for table, column, nullable, length in columns:
        wide, narrow = sa.String(length=length), sa.String(length=32)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=wide if shrink else narrow,
                type_=narrow if shrink else wide,
                existing_nullable=nullable,
            )


def _columns() -> list[tuple[str, str, bool, int]]:
    return [(t, c, n, 64) for t, c, n in PEOPLE] + SPACES + MESSAGES


def _append_only_again() -> None:
    """SQLite rebuilds a table to change a column, and its triggers go with the old one: the audit
    trail's refusal of updates and deletes (migration 0001) is put back on the new table."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_events_no_{statement.lower()} BEFORE {statement} ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )


def upgrade() -> None:
    _widen(_columns())
    _append_only_again()
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sa.String(length=16), nullable=False, server_default="slack"))
    op.create_table(
        "teams_conversations",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("service_url", sa.String(length=300), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_conversations")),
        sa.UniqueConstraint("user_id", name=op.f("uq_teams_conversations_user_id")),
    )


def downgrade() -> None:
    op.drop_table("teams_conversations")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("platform")
    _widen(_columns(), shrink=True)
    _append_only_again()

"""the Panel's answer, local reviews and their milestones, the learning library, home tabs

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "home_tabs",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("synced_version", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_home_tabs")),
    )
    op.create_table(
        "library_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_key", sa.String(length=240), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("review_type", sa.String(length=24), nullable=False),
        sa.Column("published", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_library_entries_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_entries")),
        sa.UniqueConstraint("case_id", name=op.f("uq_library_entries_case_id")),
        sa.UniqueConstraint("entry_key", name=op.f("uq_library_entries_entry_key")),
    )
    op.create_table(
        "local_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=16), nullable=False),
        sa.Column("publication", sa.String(length=16), nullable=True),
        sa.Column("publication_reasons", sa.Text(), nullable=True),
        sa.Column("publication_decided_by", sa.String(length=32), nullable=True),
        sa.Column("publication_decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_local_reviews_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_reviews")),
        sa.UniqueConstraint("case_id", name=op.f("uq_local_reviews_case_id")),
    )
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=24), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_milestones_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint("case_id", "key", name=op.f("uq_milestones_case_id_key")),
    )
    op.create_table(
        "panel_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_panel_answers_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_answers")),
        sa.UniqueConstraint("case_id", name=op.f("uq_panel_answers_case_id")),
    )
    _start_local_reviews_under_way()


def _start_local_reviews_under_way() -> None:
    """Cases already in the local review stage get their local review, counted from the day the
    decision became final (in UTC: the partnership's time zone is not known here)."""
    final_day = (
        "CAST(decisions.final_at AT TIME ZONE 'UTC' AS DATE)"
        if op.get_bind().dialect.name == "postgresql"
        else "date(decisions.final_at)"
    )
    op.execute(
        "INSERT INTO local_reviews (case_id, decided_on, requested_by) "
        f"SELECT cases.id, {final_day}, 'partners' FROM cases JOIN decisions ON decisions.case_id = cases.id "
        "WHERE cases.stage = 'local_review' AND decisions.final_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("panel_answers")
    op.drop_table("milestones")
    op.drop_table("local_reviews")
    op.drop_table("library_entries")
    op.drop_table("home_tabs")

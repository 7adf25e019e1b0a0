"""indexes that keep a tick's queries off closed cases' history: the cards still to bring up to
date, a case's questions and a case's outbox messages

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UNSYNCED = sa.text("synced_version < version")


def upgrade() -> None:
    # Partial: only the few cards still to post or edit, however many synced cards closed cases keep.
    op.create_index("ix_cards_unsynced", "cards", ["id"], sqlite_where=UNSYNCED, postgresql_where=UNSYNCED)
    op.create_index(op.f("ix_info_requests_case_id"), "info_requests", ["case_id"])
    op.create_index(op.f("ix_outbox_case_id"), "outbox", ["case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_case_id"), table_name="outbox")
    op.drop_index(op.f("ix_info_requests_case_id"), table_name="info_requests")
    op.drop_index("ix_cards_unsynced", table_name="cards")

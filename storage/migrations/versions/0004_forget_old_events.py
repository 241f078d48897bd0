"""forget old events: processed event keys are kept a week, found by their age

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_processed_events_created", "processed_events", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_processed_events_created", table_name="processed_events")

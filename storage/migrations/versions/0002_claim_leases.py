"""claim leases: a claim left by a crashed instance is taken over

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("occurrences") as batch:
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("reminders") as batch:
        batch.alter_column("sent_at", new_column_name="claimed_at")
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="posted")
        )
        batch.add_column(sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.drop_column("attempts")
        batch.drop_column("lease_until")
        batch.drop_column("posted_at")
        batch.drop_column("status")
        batch.alter_column("claimed_at", new_column_name="sent_at")
    with op.batch_alter_table("occurrences") as batch:
        batch.drop_column("attempts")
        batch.drop_column("lease_until")

"""pending posts: questions and resources remember that they still have to be posted

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("questions", "resources"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("post_due_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in ("resources", "questions"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("post_due_at")

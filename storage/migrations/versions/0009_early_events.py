"""early events: a reply or reaction about a message whose post is not recorded yet waits for it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "early_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("author_id", sa.String(length=128), nullable=False),
        sa.Column("command", sa.JSON(), nullable=False),
        sa.Column("in_flight_up_to", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_early_events_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_events")),
        sa.UniqueConstraint("community_id", "key", name="uq_early_events_key"),
    )


def downgrade() -> None:
    op.drop_table("early_events")

"""close the loop: round-ups, routed requests, nudges, close reasons, members' zones

Reminders are gathered into round-ups (one row per channel or member and local day);
members are asked privately to help (one request per question and member, in daily
slots); askers are asked which answer helped (once per number of answers). Questions
keep why they were closed, what they duplicate, and when they were last in a round-up;
members keep their time zone and whether they paused their topics.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _community() -> sa.Column:
    return sa.Column("community_id", sa.String(length=64), nullable=False)


def _community_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["community_id"],
        ["communities.id"],
        name=op.f(f"fk_{table}_community_id_communities"),
        ondelete="CASCADE",
    )


def _question_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["question_id"],
        ["questions.id"],
        name=op.f(f"fk_{table}_question_id_questions"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("close_reason", sa.String(32), nullable=True))
        batch.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    # A question already reminded waits one delay from its last reminder, as it will from
    # its last round-up.
    op.execute(
        "UPDATE questions SET reminded_at = "
        "(SELECT max(reminders.queued_at) FROM reminders WHERE reminders.question_id = questions.id)"
    )
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("topics_paused", sa.Boolean(), nullable=False, server_default="0")
        )
    op.create_table(
        "roundups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _community(),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        _community_key("roundups"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roundups")),
        sa.UniqueConstraint("community_id", "route", "day", "number", name="uq_roundups_key"),
    )
    op.create_table(
        "routing_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _community(),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=128), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        _community_key("routing_requests"),
        _question_key("routing_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_requests")),
        sa.UniqueConstraint("question_id", "member_id", name="uq_routing_requests_key"),
        sa.UniqueConstraint(
            "community_id", "member_id", "day", "slot", name="uq_routing_requests_slot"
        ),
    )
    op.create_index("ix_routing_requests_asked", "routing_requests", ["community_id", "asked_at"])
    op.create_index("ix_questions_status", "questions", ["status", "created_at"])
    op.create_index("ix_questions_duplicate_of", "questions", ["duplicate_of"])
    op.create_table(
        "nudges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _community(),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("still_open_at", sa.DateTime(timezone=True), nullable=True),
        _community_key("nudges"),
        _question_key("nudges"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudges")),
        sa.UniqueConstraint("question_id", "answers", name="uq_nudges_key"),
    )


def downgrade() -> None:
    op.drop_table("nudges")
    op.drop_index("ix_routing_requests_asked", table_name="routing_requests")
    op.drop_index("ix_questions_status", table_name="questions")
    op.drop_index("ix_questions_duplicate_of", table_name="questions")
    op.drop_table("routing_requests")
    op.drop_table("roundups")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("topics_paused")
        batch.drop_column("timezone")
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("closed_at")
        batch.drop_column("duplicate_of")
        batch.drop_column("close_reason")
        batch.drop_column("reminded_at")

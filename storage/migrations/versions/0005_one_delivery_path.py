"""one delivery path: every post is a delivery row, claimed with a lease and a fencing token

Questions, resources, occurrences and reminders no longer carry their own claims:
what is still to be posted becomes a delivery. Marks the core undid on purpose are
kept as tombstones (``revoked_at``), so that a reaction read back later does not count again.
Platform events are stored when they are received, before the platform is acknowledged,
and a member's locale is kept so that private notices sent later follow it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=True),
        sa.Column("thread_id", sa.String(length=200), nullable=True),
        sa.Column("member_id", sa.String(length=128), nullable=True),
        sa.Column("target_id", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.String(length=16), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempt", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uncertain", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_deliveries_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("community_id", "key", name="uq_deliveries_key"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "due_at"])
    op.create_index("ix_deliveries_lane", "deliveries", ["community_id", "route", "status", "id"])
    op.create_index(
        "ix_deliveries_subject", "deliveries", ["community_id", "subject", "subject_id"]
    )
    with op.batch_alter_table("marks") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("locale", sa.String(16), nullable=True))
    with op.batch_alter_table("processed_events") as batch:
        batch.add_column(sa.Column("platform", sa.String(16), nullable=True))
        batch.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE processed_events SET processed_at = created_at")  # all were handled
    op.create_index(
        "ix_processed_events_pending", "processed_events", ["processed_at", "created_at"]
    )

    _move_pending_posts_to_deliveries()

    for table in ("questions", "resources"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("post_due_at")
    with op.batch_alter_table("occurrences") as batch:
        batch.alter_column("claimed_at", new_column_name="queued_at")
        batch.drop_column("lease_until")
        batch.drop_column("attempts")
    with op.batch_alter_table("reminders") as batch:
        batch.alter_column("claimed_at", new_column_name="queued_at")
        batch.drop_column("status")
        batch.drop_column("posted_at")
        batch.drop_column("lease_until")
        batch.drop_column("attempts")


def _move_pending_posts_to_deliveries() -> None:
    """What the old claims still had to post is delivered by the new path."""
    bind = op.get_bind()
    now = datetime.now(UTC)
    meta = sa.MetaData()
    questions = sa.Table("questions", meta, autoload_with=bind)
    resources = sa.Table("resources", meta, autoload_with=bind)
    communities = sa.Table("communities", meta, autoload_with=bind)
    occurrences = sa.Table("occurrences", meta, autoload_with=bind)
    reminders = sa.Table("reminders", meta, autoload_with=bind)
    deliveries = sa.Table(
        "deliveries",
        sa.MetaData(),
        sa.Column("community_id"),
        sa.Column("key"),
        sa.Column("action"),
        sa.Column("route"),
        sa.Column("channel_id"),
        sa.Column("subject"),
        sa.Column("subject_id"),
        sa.Column("status"),
        sa.Column("due_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime),
    )
    rows = []

    def post(community_id: str, channel_id: str, subject: str, subject_id: int) -> None:
        rows.append(
            {
                "community_id": community_id,
                "key": f"{subject}:{subject_id}",
                "action": "post",
                "route": channel_id,
                "channel_id": channel_id,
                "subject": subject,
                "subject_id": subject_id,
                "status": "pending",
                "due_at": now,
                "created_at": now,
            }
        )

    for row in bind.execute(
        sa.select(questions.c.id, questions.c.community_id, questions.c.channel_id).where(
            questions.c.post_due_at.is_not(None),
            questions.c.message_id.is_(None),
            questions.c.status.notin_(["draft", "withdrawn"]),
        )
    ):
        post(row.community_id, row.channel_id, "question", row.id)
    for row in bind.execute(
        sa.select(resources.c.id, resources.c.community_id, communities.c.resources_channel)
        .join(communities, communities.c.id == resources.c.community_id)
        .where(
            resources.c.post_due_at.is_not(None),
            resources.c.post_message_id.is_(None),
            communities.c.resources_channel.is_not(None),
        )
    ):
        post(row.community_id, row.resources_channel, "resource", row.id)
    for row in bind.execute(
        sa.select(occurrences.c.id, occurrences.c.community_id, occurrences.c.channel_id).where(
            occurrences.c.status == "claimed"
        )
    ):
        post(row.community_id, row.channel_id, "occurrence", row.id)
    if rows:
        bind.execute(sa.insert(deliveries), rows)
    bind.execute(
        sa.update(occurrences).where(occurrences.c.status == "claimed").values(status="queued")
    )
    # A reminder round left claimed is raised again by the new path: its round is owed.
    unfinished = sa.select(reminders.c.question_id).where(reminders.c.status == "claimed")
    bind.execute(
        sa.update(questions)
        .where(questions.c.id.in_(unfinished))
        .values(reminders_sent=questions.c.reminders_sent - 1)
    )
    bind.execute(sa.delete(reminders).where(reminders.c.status == "claimed"))


def downgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.alter_column("queued_at", new_column_name="claimed_at")
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="posted")
        )
        batch.add_column(sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("occurrences") as batch:
        batch.alter_column("queued_at", new_column_name="claimed_at")
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
    # What was queued becomes claims long expired: the old scheduler takes them over.
    op.execute(
        "UPDATE occurrences SET status = 'claimed', lease_until = claimed_at "
        "WHERE status = 'queued'"
    )
    for table in ("resources", "questions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("post_due_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_index("ix_processed_events_pending", table_name="processed_events")
    with op.batch_alter_table("processed_events") as batch:
        batch.drop_column("processed_at")
        batch.drop_column("payload")
        batch.drop_column("platform")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("locale")
    op.execute("DELETE FROM marks WHERE revoked_at IS NOT NULL")  # the old schema would count them
    with op.batch_alter_table("marks") as batch:
        batch.drop_column("revoked_at")
    op.drop_index("ix_deliveries_subject", table_name="deliveries")
    op.drop_index("ix_deliveries_lane", table_name="deliveries")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.drop_table("deliveries")

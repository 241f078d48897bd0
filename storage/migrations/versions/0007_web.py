"""web: the signing secret, used single-use links, public knowledge bases, and the overview's indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _community(primary_key: bool = False) -> sa.Column:
    return sa.Column("community_id", sa.String(length=64), nullable=False, primary_key=primary_key)


def _community_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["community_id"],
        ["communities.id"],
        name=op.f(f"fk_{table}_community_id_communities"),
        ondelete="CASCADE",
    )


INDEXES = (
    ("ix_questions_week", "questions", ["community_id", "created_at", "status", "first_answer_at"]),
    ("ix_answers_created", "answers", ["community_id", "created_at", "author_id"]),
    (
        "ix_marks_kind_created",
        "marks",
        ["community_id", "kind", "created_at", "message_id", "revoked_at"],
    ),
    # The overview's marks index would otherwise be SQLite's choice for one message's marks.
    ("ix_marks_message", "marks", ["community_id", "message_id", "kind", "revoked_at"]),
    ("ix_practice_shares_occurrence", "practice_shares", ["occurrence_id"]),
    (
        "ix_resource_notes_created",
        "resource_notes",
        ["community_id", "created_at", "resource_id", "author_id"],
    ),
    ("ix_resources_created", "resources", ["community_id", "created_at", "id", "shared_by"]),
)


def upgrade() -> None:
    op.create_table(
        "web_secrets",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_web_secrets")),
    )
    op.create_table(
        "web_used_links",
        sa.Column("link_id", sa.String(length=64), nullable=False),
        _community(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        _community_fk("web_used_links"),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_web_used_links")),
    )
    op.create_index("ix_web_used_links_expires", "web_used_links", ["expires_at"])
    op.create_table(
        "web_settings",
        _community(primary_key=True),
        sa.Column("public_library", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("search_engines", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _community_fk("web_settings"),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_web_settings")),
    )
    op.create_table(
        "web_profiles",
        _community(),
        sa.Column("member_id", sa.String(length=128), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _community_fk("web_profiles"),
        sa.UniqueConstraint("community_id", "member_id", name="uq_web_profiles_member"),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("web_profiles")
    op.drop_table("web_settings")
    op.drop_index("ix_web_used_links_expires", table_name="web_used_links")
    op.drop_table("web_used_links")
    op.drop_table("web_secrets")

"""The web side's tables and the indexes its pages read by (``storage.reports``).

Declared on the same ``metadata`` as ``storage.tables`` (which imports this module last),
so that the migrations test and the test fixtures see them like any other table.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, UniqueConstraint

from storage.tables import (
    UTCDateTime,
    answers,
    marks,
    metadata,
    practice_shares,
    questions,
    resource_notes,
    resources,
)


def _community(primary_key: bool = False) -> Column:
    return Column(
        "community_id",
        String(64),
        ForeignKey("communities.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


# The signing secret of links and session cookies when `web.secret` is not set: generated
# by the first instance that needs it, then read by every instance.
web_secrets = Table(
    "web_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Single-use links already used, kept until they expire: any instance refuses them again.
web_used_links = Table(
    "web_used_links",
    metadata,
    Column("link_id", String(64), primary_key=True),
    _community(),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=False),
    Index("ix_web_used_links_expires", "expires_at"),
)

# A community's choices about the web: its knowledge base public, and indexed by search engines.
web_settings = Table(
    "web_settings",
    metadata,
    _community(primary_key=True),
    Column("public_library", Boolean, nullable=False, server_default="0"),
    Column("search_engines", Boolean, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Members who agreed to be named on the public knowledge base (`/entraide profile public on`).
web_profiles = Table(
    "web_profiles",
    metadata,
    _community(),
    Column("member_id", String(128), nullable=False),
    Column("public", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("community_id", "member_id", name="uq_web_profiles_member"),
)

# What the overview reads, week by week: each aggregate is one index range per community.
Index(
    "ix_questions_week",
    questions.c.community_id,
    questions.c.created_at,
    questions.c.status,
    questions.c.first_answer_at,
)
Index("ix_answers_created", answers.c.community_id, answers.c.created_at, answers.c.author_id)
Index(
    "ix_marks_kind_created",
    marks.c.community_id,
    marks.c.kind,
    marks.c.created_at,
    marks.c.message_id,
    marks.c.revoked_at,
)
Index("ix_practice_shares_occurrence", practice_shares.c.occurrence_id)
Index(
    "ix_resource_notes_created",
    resource_notes.c.community_id,
    resource_notes.c.created_at,
    resource_notes.c.resource_id,
    resource_notes.c.author_id,
)
Index(
    "ix_resources_created",
    resources.c.community_id,
    resources.c.created_at,
    resources.c.id,
    resources.c.shared_by,
)

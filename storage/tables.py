"""The schema. Every table holding community data carries ``community_id``.

Unique keys carry idempotence: processed events, early events, marks (message, member,
kind), resources (community, normalised URL), occurrences (schedule, ISO week), reminders
(question, round), round-ups (community, channel or member, local day, n), routed requests
(question, member) and their daily slots (member, local day, n), nudges (question, answers).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _community() -> Column:
    return Column(
        "community_id", String(64), ForeignKey("communities.id", ondelete="CASCADE"), nullable=False
    )


communities = Table(
    "communities",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("language", String(8), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("help_channel", String(128)),
    Column("resources_channel", String(128)),
    Column("helpful_emoji", String(64), nullable=False),
    Column("me_too_emoji", String(64), nullable=False),
    Column("bookmark_emoji", String(64), nullable=False),
    Column("reminder_delay_minutes", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

members = Table(
    "members",
    metadata,
    _community(),
    Column("member_id", String(128), nullable=False),
    Column("name", String(200), nullable=False),
    Column("locale", String(16)),  # as the platform gave it: private notices follow it
    Column("timezone", String(64)),  # as the platform gave it (Slack): quiet hours follow it
    # /entraide topics off: no routed requests, no topic reminders (the topics are kept).
    Column("topics_paused", Boolean, nullable=False, server_default="0"),
    Column("last_seen_at", UTCDateTime, nullable=False),
    UniqueConstraint("community_id", "member_id", name="uq_members_community_member"),
)

member_topics = Table(
    "member_topics",
    metadata,
    _community(),
    Column("member_id", String(128), nullable=False),
    Column("topic", String(64), nullable=False),
    UniqueConstraint("community_id", "member_id", "topic", name="uq_member_topics_key"),
)

# Platform events: received (kept with what was sent before the platform is acknowledged:
# another instance handles it if this one dies) and processed (claimed with their effect).
processed_events = Table(
    "processed_events",
    metadata,
    _community(),
    Column("event_key", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("platform", String(16)),
    Column("payload", JSON),
    Column("processed_at", UTCDateTime),
    UniqueConstraint("community_id", "event_key", name="uq_processed_events_key"),
    Index("ix_processed_events_created", "created_at"),
    Index("ix_processed_events_pending", "processed_at", "created_at"),
)

# A reply or reaction about a message not yet recorded (its post in flight), until it is.
early_events = Table(
    "early_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # the order they came in
    _community(),
    Column("key", String(200), nullable=False),
    Column("author_id", String(128), nullable=False),
    Column("command", JSON, nullable=False),
    Column("in_flight_up_to", Integer),  # the newest post in flight when it came, if any
    Column("received_at", UTCDateTime, nullable=False),
    UniqueConstraint("community_id", "key", name="uq_early_events_key"),
)

questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _community(),
    Column("channel_id", String(128), nullable=False),
    Column("message_id", String(200)),
    Column("asker_id", String(128)),
    Column("anonymous", Boolean, nullable=False),
    Column("title", Text, nullable=False),
    Column("details", Text, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("first_answer_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("accepted_answer_id", Integer),
    Column("reminders_sent", Integer, nullable=False, default=0),
    Column("reminded_at", UTCDateTime),  # when it was last in a round-up
    Column("close_reason", String(32)),
    Column("duplicate_of", Integer),
    Column("closed_at", UTCDateTime),
    UniqueConstraint("community_id", "message_id", name="uq_questions_message"),
    Index("ix_questions_community_status", "community_id", "status", "created_at"),
    # Each tick looks for open questions in every community (round-ups, routing, nudges):
    # they are few, and without it that read went through every question ever asked.
    Index("ix_questions_status", "status", "created_at"),
    Index("ix_questions_duplicate_of", "duplicate_of"),  # an original's duplicates, on accept
)

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _community(),
    Column("question_id", Integer, ForeignKey("questions.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", String(128)),
    Column("text", Text, nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("community_id", "message_id", name="uq_answers_message"),
    Index("ix_answers_question", "question_id"),
)

marks = Table(
    "marks",
    metadata,
    _community(),
    Column("message_id", String(200), nullable=False),
    Column("member_id", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Set when the core undid the mark on purpose (a reopened question, another answer
    # accepted) while the reaction stays on the platform: read back later, it must not count
    # again. Removing the reaction drops the row.
    Column("revoked_at", UTCDateTime),
    UniqueConstraint("community_id", "message_id", "member_id", "kind", name="uq_marks_key"),
    # A message's marks of one kind, counted (an answer's helpful marks at every reaction, a
    # resource's upvotes): without it SQLite, which keeps no statistics, counts them through
    # the overview's (community, kind, …) index, reading every mark of that kind.
    Index("ix_marks_message", "community_id", "message_id", "kind", "revoked_at"),
)

resources = Table(
    "resources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _community(),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("shared_by", String(128)),
    Column("source_message_id", String(200)),
    Column("post_message_id", String(200)),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("community_id", "url", name="uq_resources_url"),
    Index("ix_resources_post", "community_id", "post_message_id"),
)

resource_tags = Table(
    "resource_tags",
    metadata,
    _community(),
    Column("resource_id", Integer, ForeignKey("resources.id", ondelete="CASCADE"), nullable=False),
    Column("tag", String(64), nullable=False),
    UniqueConstraint("resource_id", "tag", name="uq_resource_tags_key"),
    Index("ix_resource_tags_tag", "community_id", "tag"),
)

resource_notes = Table(
    "resource_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _community(),
    Column("resource_id", Integer, ForeignKey("resources.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", String(128)),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_resource_notes_resource_id", "resource_id"),
)

schedules = Table(
    "schedules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _community(),
    Column("kind", String(16), nullable=False),
    Column("channel_id", String(128), nullable=False),
    Column("weekday", Integer, nullable=False),
    Column("local_time", String(5), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("community_id", "kind", "channel_id", name="uq_schedules_key"),
)

occurrences = Table(
    "occurrences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _community(),
    Column("schedule_id", Integer, ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", String(128), nullable=False),
    Column("week", String(10), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("prompt_id", String(64)),
    Column("message_id", String(200)),
    Column("queued_at", UTCDateTime, nullable=False),
    Column("posted_at", UTCDateTime),
    UniqueConstraint("schedule_id", "week", name="uq_occurrences_key"),
    Index("ix_occurrences_message", "community_id", "message_id"),
)

custom_prompts = Table(
    "custom_prompts",
    metadata,
    _community(),
    Column("prompt_id", String(64), nullable=False),
    Column("theme", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("author_id", String(128)),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("community_id", "prompt_id", name="uq_custom_prompts_key"),
)

practice_shares = Table(
    "practice_shares",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _community(),
    Column(
        "occurrence_id", Integer, ForeignKey("occurrences.id", ondelete="CASCADE"), nullable=False
    ),
    Column("author_id", String(128)),
    Column("text", Text, nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("community_id", "message_id", name="uq_practice_shares_message"),
)

reminders = Table(
    "reminders",
    metadata,
    _community(),
    Column("question_id", Integer, ForeignKey("questions.id", ondelete="CASCADE"), nullable=False),
    Column("round", Integer, nullable=False),
    Column("queued_at", UTCDateTime, nullable=False),
    UniqueConstraint("question_id", "round", name="uq_reminders_key"),
)

# Round-ups: a channel's unanswered questions gathered into one post (``route`` is the
# channel), or the questions a member follows into one private message (``route`` is
# "@member"); ``number`` counts them in the local day, which caps them.
roundups = Table(
    "roundups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _community(),
    Column("route", String(200), nullable=False),
    Column("day", String(10), nullable=False),
    Column("number", Integer, nullable=False),
    Column("question_ids", JSON, nullable=False),
    Column("queued_at", UTCDateTime, nullable=False),
    UniqueConstraint("community_id", "route", "day", "number", name="uq_roundups_key"),
)

# Members asked privately to help with a question: one request per (question, member), and
# per member at most one request in each slot of their local day (the daily cap, kept by
# the database even when two instances route at once).
routing_requests = Table(
    "routing_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _community(),
    Column("question_id", Integer, ForeignKey("questions.id", ondelete="CASCADE"), nullable=False),
    Column("member_id", String(128), nullable=False),
    Column("day", String(10), nullable=False),
    Column("slot", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("asked_at", UTCDateTime, nullable=False),
    Column("responded_at", UTCDateTime),
    UniqueConstraint("question_id", "member_id", name="uq_routing_requests_key"),
    UniqueConstraint("community_id", "member_id", "day", "slot", name="uq_routing_requests_slot"),
    Index("ix_routing_requests_asked", "community_id", "asked_at"),
)

# The asker asked which answer helped, once per number of answers: again only after a new one.
nudges = Table(
    "nudges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _community(),
    Column("question_id", Integer, ForeignKey("questions.id", ondelete="CASCADE"), nullable=False),
    Column("answers", Integer, nullable=False),
    Column("asked_at", UTCDateTime, nullable=False),
    Column("still_open_at", UTCDateTime),
    UniqueConstraint("question_id", "answers", name="uq_nudges_key"),
)

# The one delivery path: every post, edit, reaction and direct message the bot makes is a
# row here first, committed with what caused it, then claimed with a lease and sent.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _community(),
    Column("key", String(200), nullable=False),
    Column("action", String(16), nullable=False),
    Column("route", String(200), nullable=False),
    Column("channel_id", String(128)),
    Column("thread_id", String(200)),
    Column("member_id", String(128)),
    Column("target_id", String(200)),
    Column("subject", String(16)),
    Column("subject_id", Integer),
    Column("body", JSON),
    Column("status", String(16), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    # The fencing token: each claim adds one, and only its holder may finish the delivery.
    Column("attempt", Integer, nullable=False, server_default="0"),
    Column("lease_until", UTCDateTime),
    Column("uncertain", Boolean, nullable=False, server_default="0"),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("message_id", String(200)),
    Column("error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    UniqueConstraint("community_id", "key", name="uq_deliveries_key"),
    Index("ix_deliveries_due", "status", "due_at"),
    Index("ix_deliveries_lane", "community_id", "route", "status", "id"),
    Index("ix_deliveries_subject", "community_id", "subject", "subject_id"),
)

# What search reads: one row per searchable item, its text already folded
# (lower case, no accents) so that both backends match accent-insensitively.
search_documents = Table(
    "search_documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _community(),
    Column("kind", String(16), nullable=False),
    Column("ref_id", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    UniqueConstraint("community_id", "kind", "ref_id", name="uq_search_documents_key"),
    Index("ix_search_documents_recent", "community_id", "id"),
)

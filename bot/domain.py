"""Domain values shared by the use cases, the stores and the adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class QuestionStatus(StrEnum):
    DRAFT = "draft"  # stored while the asker reads similar resolved questions
    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"  # a draft the asker dropped: a suggestion answered it


class MarkKind(StrEnum):
    """What a counted reaction means; the emoji itself is a community setting."""

    HELPFUL = "helpful"
    ACCEPTED = "accepted"
    ME_TOO = "me_too"
    UPVOTE = "upvote"


class OccurrenceStatus(StrEnum):
    """Where one week of a schedule stands."""

    QUEUED = "queued"  # its post is a delivery on its way
    POSTED = "posted"
    SKIPPED = "skipped"  # found too late, beyond the catch-up window
    FAILED = "failed"  # the platform refused it for good; organisers were told


class CloseReason(StrEnum):
    """Why the asker (or an organiser) closed a question."""

    SOLVED_ELSEWHERE = "solved_elsewhere"
    DUPLICATE = "duplicate"
    NOT_NEEDED = "no_longer_needed"


class RequestStatus(StrEnum):
    """Where a routed request stands: a member asked privately to help with a question."""

    ASKED = "asked"  # no word from the member yet
    TAKEN = "taken"  # "I'll take it": the card says they are looking at it
    DECLINED = "declined"  # "Not for me": the next candidate is asked
    ANSWERED = "answered"  # they answered the question


class DeliveryAction(StrEnum):
    POST = "post"  # a public message in a channel or a thread
    PRIVATE = "private"  # a direct message to one member
    EDIT = "edit"  # a question card shown again with its current state
    REACT = "react"  # the bot's own reaction on a message


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its turn (``due_at``)
    SENDING = "sending"  # an instance holds it until ``lease_until``
    SENT = "sent"
    FAILED = "failed"  # the platform refused it for good
    CANCELLED = "cancelled"  # nothing left to send (its subject is gone, or too late)


@dataclass(frozen=True)
class Delivery:
    """One thing the bot must tell a platform, kept until it is done: the one delivery path.

    ``attempt`` is the fencing token: whoever claimed it last holds it, and only that
    claimant may record how it went. ``key`` is what the platform is given to recognise
    a post it already made (Discord's nonce, Slack's message metadata).
    """

    id: int
    community_id: str
    key: str
    action: DeliveryAction
    route: str  # the lane it waits in: a channel, or "@member" for direct messages
    created_at: datetime
    channel_id: str | None = None
    thread_id: str | None = None  # post in the thread of this message
    member_id: str | None = None  # a direct message's recipient
    target_id: str | None = None  # the message an edit or a reaction is about
    subject: str | None = None  # what the post shows, rendered when it is sent ("question", …)
    subject_id: int | None = None
    body: dict | None = None  # the message itself (``replies.to_json``), or a reaction's emoji
    attempt: int = 0
    uncertain: bool = False  # an earlier attempt may have landed: look before posting again
    failures: int = 0


class ScheduleKind(StrEnum):
    PROMPT = "prompt"
    DIGEST = "digest"


@dataclass(frozen=True)
class CommunitySettings:
    """An organiser-editable configuration, one per community."""

    community_id: str
    language: str = "en"
    timezone: str = "UTC"
    help_channel: str | None = None
    resources_channel: str | None = None
    helpful_emoji: str = "white_check_mark"
    me_too_emoji: str = "eyes"
    bookmark_emoji: str = "bookmark"
    reminder_delay: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class Member:
    id: str
    name: str


@dataclass(frozen=True)
class Question:
    id: int
    community_id: str
    channel_id: str
    asker_id: str | None
    anonymous: bool
    title: str
    details: str
    tags: tuple[str, ...]
    status: QuestionStatus
    created_at: datetime
    message_id: str | None = None
    first_answer_at: datetime | None = None
    resolved_at: datetime | None = None
    accepted_answer_id: int | None = None
    reminders_sent: int = 0
    reminded_at: datetime | None = None  # when it was last in a round-up
    close_reason: CloseReason | None = None
    duplicate_of: int | None = None  # the question it repeats (closed as a duplicate)
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Answer:
    id: int
    community_id: str
    question_id: int
    author_id: str | None
    text: str
    message_id: str
    created_at: datetime
    helpful_count: int = 0


@dataclass(frozen=True)
class Resource:
    id: int
    community_id: str
    url: str
    shared_by: str | None
    created_at: datetime
    title: str = ""
    tags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    upvotes: int = 0
    post_message_id: str | None = None


@dataclass(frozen=True)
class Schedule:
    id: int
    community_id: str
    kind: ScheduleKind
    channel_id: str
    weekday: int  # Monday is 0, as in datetime.weekday()
    local_time: str  # "HH:MM"
    timezone: str
    created_at: datetime


@dataclass(frozen=True)
class Occurrence:
    """One week of a schedule: its prompt (or digest) post."""

    id: int
    community_id: str
    kind: ScheduleKind
    channel_id: str
    week: str  # ISO week of the local date, "2026-W48"
    due_at: datetime
    status: OccurrenceStatus
    prompt_id: str | None = None
    message_id: str | None = None


@dataclass(frozen=True)
class Prompt:
    id: str
    theme: str
    texts: dict[str, str] = field(hash=False)  # language -> text

    def text(self, language: str) -> str:
        return self.texts.get(language) or next(iter(self.texts.values()))


@dataclass(frozen=True)
class PracticeShare:
    id: int
    community_id: str
    occurrence_id: int
    author_id: str | None
    text: str
    created_at: datetime
    prompt_id: str | None = None  # the prompt whose thread it was shared in


@dataclass(frozen=True)
class CardFacts:
    """What a question's card shows besides the question: read together, for every card."""

    question: Question
    asker_name: str
    taker_id: str | None  # the member who said they are looking into it last, if any
    taker_name: str
    me_too: int


@dataclass(frozen=True)
class ReactionTarget:
    """A message whose reactions count, with the emoji that counts there: what an adapter
    that was offline reads back at start."""

    channel_id: str
    message_id: str
    emoji: str
    thread_id: str | None = None  # an answer's: the question's message, whose thread it is in


@dataclass(frozen=True)
class MemberProfile:
    """What routing needs to know of a member: their zone, their language, their choice."""

    member_id: str
    name: str = ""
    locale: str | None = None
    timezone: str | None = None  # as the platform gave it (Slack); None: the community's
    topics_paused: bool = False  # ``/entraide topics off``: no requests, no topic reminders


@dataclass(frozen=True)
class RoutedRequest:
    """A member asked privately to help with a question (one per question and member)."""

    id: int
    community_id: str
    question_id: int
    member_id: str
    day: str  # the member's local day it was made on, "2026-11-23": the daily cap counts these
    asked_at: datetime
    status: RequestStatus = RequestStatus.ASKED
    responded_at: datetime | None = None


@dataclass(frozen=True)
class Expertise:
    """A sign that a member knows a topic: an answer accepted or found helpful on a question
    tagged with it, or a resource shared with that tag."""

    member_id: str
    tag: str
    kind: str  # "accepted", "helpful" or "resource"
    at: datetime


@dataclass(frozen=True)
class Roundup:
    """One round-up: the unanswered questions of a channel (``route`` is the channel), or
    those a member follows (``route`` is "@member"), gathered into one message."""

    id: int
    community_id: str
    route: str
    day: str  # local day, "2026-11-23"
    number: int  # the day's first, second… round-up of that route
    question_ids: tuple[int, ...]
    queued_at: datetime


@dataclass(frozen=True)
class Nudge:
    """The asker was asked which answer helped, when the question had ``answers`` answers."""

    id: int
    community_id: str
    question_id: int
    answers: int
    asked_at: datetime
    still_open_at: datetime | None = None  # the asker answered "Still open"

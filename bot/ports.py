"""The core's ports: :class:`Chat`, how it posts where nobody is waiting for a reply,
and :class:`Store`, how it keeps what happened.

Each adapter implements :class:`Chat`. Message ids are opaque strings that are
unique within a community (the Slack adapter, whose ``ts`` is only unique per
channel, makes them so). ``storage.store.Store`` implements :class:`Store`; every
method of a :class:`Transaction` is scoped by community, except the few the
scheduler uses across communities (``schedules()``, ``unanswered_questions``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain import (
    Answer,
    CommunitySettings,
    Delivery,
    DeliveryAction,
    DeliveryStatus,
    MarkKind,
    Occurrence,
    OccurrenceStatus,
    PracticeShare,
    Question,
    QuestionStatus,
    Resource,
    Schedule,
    ScheduleKind,
)
from bot.i18n import t
from bot.replies import Message
from bot.search import Hit, Kind, Query
from bot.web.model import PromptWeek, QuestionWeek, WebSettings


@dataclass(frozen=True)
class FetchedMessage:
    message_id: str
    channel_id: str
    author_id: str
    text: str


class ChatError(Exception):
    """A post failed for good (unknown channel, no access): reported, never retried.

    Adapters raise :meth:`refusal` with a ``refusal.*`` message key, so that the
    member or organiser reads the reason in their language; ``str()`` is English, for logs.
    """

    def __init__(self, reason: str, key: str | None = None, **values: object) -> None:
        super().__init__(reason)
        self.key = key
        self.values = values

    @classmethod
    def refusal(cls, name: str, **values: object) -> ChatError:
        return cls(t("en", f"refusal.{name}", **values), f"refusal.{name}", **values)

    def reason(self, language: str) -> str:
        return t(language, self.key, **self.values) if self.key else str(self)


class ChatUnavailable(ChatError):
    """The platform could not be reached or kept failing (5xx, 429, time-outs) after the
    adapter's own retries: a scheduled post is tried again later, not dropped."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after  # seconds, when the platform said (HTTP 429 Retry-After)


class Chat(Protocol):
    """How the core's deliveries reach a platform (``bot.delivery`` is its only caller).

    ``key`` identifies one post across every attempt and every instance: adapters MUST
    hand it to the platform so that a post that went through is recognised (Discord's
    nonce, Slack's message metadata), and :meth:`find_post` looks for it.
    """

    async def post(
        self,
        community_id: str,
        channel_id: str,
        message: Message,
        thread_id: str | None = None,
        *,
        key: str | None = None,
    ) -> str:
        """Post publicly in a channel, or in the thread of ``thread_id``; return the new id.

        Adapters MUST open the thread if the platform needs one (Discord).
        """

    async def find_post(
        self,
        community_id: str,
        channel_id: str | None,
        key: str,
        since: datetime,
        thread_id: str | None = None,
        member_id: str | None = None,
        message: Message | None = None,
    ) -> str | None:
        """The id of the bot's post made with ``key`` since ``since``, if it landed.

        Asked before posting again after an attempt whose outcome is unknown (a lost
        answer, a claimant that vanished). ``member_id`` names a direct message's recipient;
        ``message`` is the post as it was to be made, for a platform that keeps no key and
        can only recognise it by its content. Adapters look in a bounded window of recent
        messages; they raise ChatUnavailable when the platform cannot be read now, and
        return None when it cannot tell.
        """

    async def edit(
        self, community_id: str, channel_id: str, message_id: str, message: Message
    ) -> None:
        """Replace a message the bot posted."""

    async def add_reaction(
        self, community_id: str, channel_id: str, message_id: str, emoji: str
    ) -> None:
        """React as the bot, e.g. to mark an accepted answer."""

    async def send_private(
        self, community_id: str, member_id: str, message: Message, *, key: str | None = None
    ) -> str | None:
        """Tell one member privately (direct message); the new message's id when known."""

    async def fetch_message(
        self, community_id: str, channel_id: str, message_id: str
    ) -> FetchedMessage | None:
        """Read a message (author and text), or None when it is gone or unreadable."""


@dataclass
class Erasure:
    """What ``forget_member`` changed: counts to tell the member, items whose search text changed."""

    resolved_question_ids: list[int]
    resource_ids: list[int]
    share_ids: list[int]
    counts: dict[str, int] = field(default_factory=dict)


class Deliveries(Protocol):
    """The queue of what the bot tells platforms (``storage.deliveries``): durable, leased, fenced.

    Every change to a claimed delivery names its ``attempt`` (the fencing token) and
    returns False, changing nothing, once another claimant took it over.
    """

    async def add(
        self,
        community_id: str,
        key: str,
        action: DeliveryAction,
        route: str,
        now: datetime,
        *,
        channel_id: str | None = None,
        thread_id: str | None = None,
        member_id: str | None = None,
        target_id: str | None = None,
        subject: str | None = None,
        subject_id: int | None = None,
        body: dict | None = None,
    ) -> bool:
        """Queue a delivery, due now; False when one with this key exists already."""

    async def edit_waiting(self, community_id: str, subject: str, subject_id: int) -> bool:
        """Whether an edit of this subject is queued and not claimed yet."""

    async def posted(
        self, community_id: str, subject: str, subject_id: int
    ) -> tuple[DeliveryStatus, str | None] | None:
        """Where the post of a subject (a question's card) stands, and the message it became."""

    async def due_lanes(self, now: datetime, limit: int = 1000) -> list[tuple[str, str]]:
        """(community, route) of the lanes with something to send now, oldest first."""

    async def claim_next(
        self, community_id: str, route: str, now: datetime, lease: timedelta
    ) -> Delivery | None:
        """Claim a lane's oldest claimable delivery: due and waiting, or whose lease ran out."""

    async def renew(
        self, held: Sequence[tuple[int, int]], now: datetime, lease: timedelta
    ) -> set[int]:
        """Extend the leases of (id, attempt) still in flight; the ids still held."""

    async def finish(self, delivery: Delivery, message_id: str | None, now: datetime) -> bool:
        """Sent; the message id is recorded on the delivery and on its subject."""

    async def give_up(
        self, delivery: Delivery, status: DeliveryStatus, error: str, now: datetime
    ) -> bool:
        """Failed for good or cancelled: never tried again."""

    async def reschedule(
        self,
        delivery: Delivery,
        due_at: datetime,
        *,
        uncertain: bool,
        error: str | None = None,
    ) -> bool:
        """Back in the queue until ``due_at`` (``error`` counts a failure)."""

    async def next_due_at(self) -> datetime | None:
        """When the earliest waiting delivery becomes due."""

    async def backlog(self, now: datetime) -> int:
        """How many deliveries could be sent now and are not yet."""


class Reports(Protocol):
    """What the web pages read (``storage.reports``), scoped by community. ``weeks`` are
    (start, end) pairs; ``public`` reads leave out what the public knowledge base never
    shows: erased members' content."""

    async def community(self, community_id: str) -> tuple[str, str] | None:
        """(language, time zone) of a community, or None when there is no such community."""

    async def question_weeks(
        self, community_id: str, weeks: Sequence[tuple[datetime, datetime]], now: datetime
    ) -> list[QuestionWeek]: ...

    async def prompt_weeks(
        self, community_id: str, weeks: Sequence[tuple[datetime, datetime]]
    ) -> list[PromptWeek]: ...

    async def unanswered_by_tag(
        self, community_id: str, since: datetime, limit: int = 12
    ) -> list[tuple[str, int]]: ...

    async def answers_by_helper(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[tuple[str, int]]: ...

    async def most_upvoted(
        self, community_id: str, start: datetime, end: datetime, limit: int = 5
    ) -> list[tuple[Resource, int]]: ...

    async def most_saved(
        self, community_id: str, start: datetime, end: datetime, limit: int = 5
    ) -> list[tuple[Resource, int]]: ...

    async def names(
        self, community_id: str, member_ids: Sequence[str], public_only: bool = False
    ) -> dict[str, str]: ...

    async def question_tags(self, community_id: str, limit: int = 40) -> list[tuple[str, int]]: ...

    async def questions(
        self, community_id: str, status: str | None, tag: str | None, limit: int, offset: int = 0
    ) -> tuple[list[Question], int]: ...

    async def answer_counts(
        self, community_id: str, question_ids: Sequence[int]
    ) -> dict[int, int]: ...

    async def search(
        self, community_id: str, query: Query, kinds: Sequence[Kind], limit: int
    ) -> list[Hit]: ...

    async def resolved_questions(
        self, community_id: str, limit: int, offset: int = 0, public: bool = False
    ) -> list[Question]: ...

    async def questions_by_ids(
        self, community_id: str, ids: Sequence[int], public: bool = False
    ) -> dict[int, Question]: ...

    async def answers(
        self, community_id: str, question_ids: Sequence[int], public: bool = False
    ) -> list[Answer]: ...

    async def shares(
        self,
        community_id: str,
        ids: Sequence[int] | None = None,
        limit: int = 20,
        public: bool = False,
    ) -> list[PracticeShare]: ...

    async def resource_tags(self, community_id: str, limit: int = 40) -> list[tuple[str, int]]: ...

    async def resources(
        self,
        community_id: str,
        *,
        ids: Sequence[int] | None = None,
        tag: str | None = None,
        by_upvotes: bool = False,
        limit: int = 50,
        offset: int = 0,
        public: bool = False,
    ) -> tuple[list[Resource], int]: ...


class WebAccess(Protocol):
    """What the web side keeps (``storage.web_access``), shared by every instance."""

    async def secret(self, candidate: str, now: datetime) -> str:
        """The signing secret kept in the database; ``candidate`` becomes it if there is none."""

    async def use_link(
        self, link_id: str, community_id: str, expires_at: datetime, now: datetime
    ) -> bool:
        """Record a single-use link as used; False when it was already."""

    async def settings(self, community_id: str) -> WebSettings: ...

    async def save_settings(
        self, community_id: str, settings: WebSettings, now: datetime
    ) -> None: ...

    async def public_communities(self) -> list[tuple[str, bool]]:
        """(community, search engines welcome) of every community whose library is public."""

    async def set_public_profile(
        self, community_id: str, member_id: str, public: bool, now: datetime
    ) -> None: ...

    async def public_profile(self, community_id: str, member_id: str) -> bool: ...

    async def forget_profile(self, community_id: str, member_id: str) -> None: ...


class Transaction(Protocol):
    """One unit of work: everything done through it commits together, or not at all."""

    deliveries: Deliveries
    reports: Reports
    web: WebAccess

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run ``action`` once the unit of work has committed (never if it rolls back)."""

    async def community(self, defaults: CommunitySettings, now: datetime) -> CommunitySettings:
        """The community's settings, created from ``defaults`` the first time it is seen."""

    async def save_settings(self, settings: CommunitySettings) -> None: ...

    async def community_ids(self) -> list[str]: ...

    async def see_member(
        self,
        community_id: str,
        member_id: str,
        name: str,
        now: datetime,
        locale: str | None = None,
    ) -> None:
        """Remember a member's display name, locale and last activity."""

    async def member_locale(self, community_id: str, member_id: str) -> str | None:
        """The locale the platform last gave for a member, if any."""

    async def member_names(
        self, community_id: str, member_ids: Iterable[str]
    ) -> dict[str, str]: ...

    async def receive_events(
        self, events: Sequence[tuple[str, str, str, dict]], now: datetime
    ) -> set[tuple[str, str]]:
        """Keep events as platforms sent them, before acknowledging them: (community, key,
        platform, payload) each; return the (community, key) that were new."""

    async def claim_event(self, community_id: str, event_key: str, now: datetime) -> bool:
        """True the first time an event is handled (received or not); False for every redelivery."""

    async def unhandled_events(self, received_before: datetime, limit: int = 100) -> list[tuple]:
        """(platform, community, key, payload) of events received and never handled."""

    async def unhandled_count(self) -> int:
        """How many events were received and not yet handled."""

    async def forget_events(self, before: datetime) -> int:
        """Drop the events received before ``before``: no platform redelivers that late."""

    async def add_topics(
        self, community_id: str, member_id: str, topics: Sequence[str]
    ) -> None: ...

    async def remove_topics(
        self, community_id: str, member_id: str, topics: Sequence[str]
    ) -> None: ...

    async def topics(self, community_id: str, member_id: str) -> list[str]: ...

    async def members_with_topics(self, community_id: str, topics: Sequence[str]) -> list[str]: ...

    async def add_question(
        self,
        community_id: str,
        channel_id: str,
        asker_id: str,
        anonymous: bool,
        title: str,
        details: str,
        tags: tuple[str, ...],
        status: QuestionStatus,
        now: datetime,
    ) -> Question: ...

    async def question(self, community_id: str, question_id: int) -> Question | None: ...

    async def question_by_message(self, community_id: str, message_id: str) -> Question | None: ...

    async def questions_by_ids(
        self, community_id: str, ids: Sequence[int]
    ) -> dict[int, Question]: ...

    async def update_question(self, question: Question) -> None: ...

    async def open_questions(self, community_id: str, limit: int) -> list[Question]:
        """The community's most recent questions that are posted and still open or answered."""

    async def questions_between(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[Question]: ...

    async def resolved_between(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[Question]: ...

    async def unanswered_questions(
        self, created_before: datetime, max_reminders: int
    ) -> list[Question]:
        """Open questions of every community, with no answer yet and reminders left to send."""

    async def add_reminder(self, question: Question, round_: int, now: datetime) -> bool:
        """Record that reminder ``round_`` of a question is on its way; False if it already was."""

    async def add_answer(
        self,
        community_id: str,
        question_id: int,
        author_id: str,
        text: str,
        message_id: str,
        now: datetime,
    ) -> Answer | None:
        """Record a thread reply; None when that message was already recorded."""

    async def answer(self, community_id: str, answer_id: int) -> Answer | None: ...

    async def answer_by_message(self, community_id: str, message_id: str) -> Answer | None: ...

    async def answer_and_question(
        self, community_id: str, message_id: str
    ) -> tuple[Answer, Question] | None:
        """The answer that is message ``message_id``, with its question, in one query (reactions are many)."""

    async def answers(self, community_id: str, question_id: int) -> list[Answer]: ...

    async def add_mark(
        self, community_id: str, message_id: str, member_id: str, kind: MarkKind, now: datetime
    ) -> bool: ...

    async def remove_mark(
        self, community_id: str, message_id: str, member_id: str, kind: MarkKind
    ) -> bool: ...

    async def set_mark(
        self,
        community_id: str,
        message_id: str,
        member_id: str,
        kind: MarkKind,
        present: bool,
        now: datetime,
    ) -> bool:
        """Add or remove one member's mark (a reaction added or removed); True if that changed anything."""

    async def clear_marks(self, community_id: str, message_id: str, kind: MarkKind) -> None:
        """The reactions were removed from the platform (a moderator's clear): the marks go."""

    async def revoke_marks(
        self, community_id: str, message_id: str, kind: MarkKind, now: datetime
    ) -> None:
        """Undo marks on purpose while their reactions stay: a reaction read back later
        does not bring them back; only removing the reaction and adding it again does."""

    async def count_marks(self, community_id: str, message_id: str, kind: MarkKind) -> int: ...

    async def resource_by_url(self, community_id: str, url: str) -> Resource | None: ...

    async def resource(self, community_id: str, resource_id: int) -> Resource | None: ...

    async def resource_by_post(self, community_id: str, message_id: str) -> Resource | None: ...

    async def resources_by_ids(
        self, community_id: str, ids: Sequence[int]
    ) -> dict[int, Resource]: ...

    async def resources_between(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[Resource]: ...

    async def add_resource(
        self,
        community_id: str,
        url: str,
        shared_by: str,
        source_message_id: str | None,
        now: datetime,
    ) -> Resource | None:
        """Insert a new resource; None when the community already has that URL."""

    async def add_resource_details(
        self, resource: Resource, tags: Sequence[str], note: str, author_id: str, now: datetime
    ) -> tuple[list[str], bool]:
        """Merge tags and a note into a resource; return the tags that were new and whether the note was."""

    async def set_schedule(
        self,
        community_id: str,
        kind: ScheduleKind,
        channel_id: str,
        weekday: int,
        local_time: str,
        timezone: str,
        now: datetime,
    ) -> None: ...

    async def remove_schedule(
        self, community_id: str, kind: ScheduleKind, channel_id: str
    ) -> bool: ...

    async def schedules(self, community_id: str | None = None) -> list[Schedule]:
        """The schedules of one community, or of all (what the scheduler looks at)."""

    async def known_weeks(
        self, schedule_ids: Sequence[int], weeks: Sequence[str]
    ) -> set[tuple[int, str]]:
        """Which (schedule, week) occurrences are already claimed, posted or skipped."""

    async def add_occurrence(
        self,
        schedule: Schedule,
        week: str,
        due_at: datetime,
        now: datetime,
        status: OccurrenceStatus,
        prompt_id: str | None = None,
    ) -> int | None:
        """Record one week of a schedule; None when it is recorded already (by another instance)."""

    async def occurrence(self, community_id: str, occurrence_id: int) -> Occurrence | None: ...

    async def used_prompt_ids(self, community_id: str, channel_id: str) -> list[str]:
        """Prompts already posted in a channel, oldest first."""

    async def occurrence_by_message(
        self, community_id: str, message_id: str
    ) -> tuple[int, str | None] | None:
        """The (occurrence id, prompt id) whose prompt post is ``message_id``; a digest is none."""

    async def add_custom_prompt(
        self,
        community_id: str,
        prompt_id: str,
        theme: str,
        language: str,
        text: str,
        author_id: str,
        now: datetime,
    ) -> None: ...

    async def custom_prompts(self, community_id: str) -> list[tuple[str, str, str, str]]:
        """(prompt id, theme, language, text) of a community's own prompts, oldest first."""

    async def add_share(
        self,
        community_id: str,
        occurrence_id: int,
        author_id: str,
        text: str,
        message_id: str,
        now: datetime,
    ) -> PracticeShare | None: ...

    async def shares_between(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[PracticeShare]: ...

    async def shares_by_ids(
        self, community_id: str, ids: Sequence[int]
    ) -> dict[int, PracticeShare]: ...

    async def index(
        self, community_id: str, kind: Kind, ref_id: int, title: str, body: str
    ) -> None:
        """Make an item findable (or refresh it); title and body come folded from the core."""

    async def unindex(self, community_id: str, kind: Kind, ref_id: int) -> None: ...

    async def search(
        self,
        community_id: str,
        query: Query,
        kinds: Sequence[Kind],
        tag: str | None = None,
        limit: int = 10,
    ) -> list[Hit]: ...

    async def credits(
        self, community_id: str, since: datetime | None = None
    ) -> dict[str, dict[str, int]]:
        """Per member: helpful marks received, accepted answers, practice shares, resources."""

    async def active_members(self, community_id: str, since: datetime) -> int: ...

    async def all_questions(self, community_id: str) -> list[Question]: ...

    async def all_resources(self, community_id: str) -> list[Resource]: ...

    async def all_shares(self, community_id: str) -> list[PracticeShare]: ...

    async def forget_member(self, community_id: str, member_id: str, placeholder: str) -> Erasure:
        """Erase a member: questions anonymous, answer texts and notes emptied, marks and topics gone."""


class Store(Protocol):
    def transaction(self, priority: bool = False) -> AbstractAsyncContextManager[Transaction]:
        """``async with store.transaction() as tx``: commit on success, roll back on error.

        A ``priority`` unit of work (keeping events a platform waits to be acknowledged)
        MAY be given its turn before the others this process has waiting.
        """


class Adapter(Protocol):
    """A platform connection, started and stopped by ``entraide run``.

    It turns the platform's events into commands for ``Entraide.handle`` and
    implements :class:`Chat` for the core's own posts. Its community ids are
    ``"<platform>:<workspace or server id>"`` (``slack:T0123``, ``discord:8123…``),
    which is how the runtime routes a post to the right adapter. An adapter MAY
    have a ``rate_limits`` attribute (``bot.delivery.pacing.RateLimits``): the
    runtime then paces the core's posts to it.
    """

    platform: str
    chat: Chat

    async def start(self) -> None:
        """Connect and begin delivering events; return once connected."""

    async def stop(self) -> None:
        """Stop taking events, let in-flight work finish, disconnect.

        An adapter that keeps events before acknowledging them (``Entraide.receive``) MAY
        have a ``replay(payload)`` method: the runtime calls it for events kept and never
        handled, whatever instance received them.
        """

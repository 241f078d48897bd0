"""The store: repositories over one transaction, returning the core's dataclasses.

``async with store.transaction() as tx:`` opens a unit of work that commits on
success and rolls back on error. Every method takes the community and filters
by it: nothing of one community is visible from another.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain import (
    Answer,
    CommunitySettings,
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
from bot.ports import Erasure
from bot.search import Hit, Kind, Query
from storage import search as search_backend
from storage.deliveries import Deliveries
from storage.tables import (
    answers,
    communities,
    custom_prompts,
    marks,
    member_topics,
    members,
    occurrences,
    practice_shares,
    processed_events,
    questions,
    reminders,
    resource_notes,
    resource_tags,
    resources,
    schedules,
    search_documents,
)

_INSERT_NEW: dict[tuple, object] = {}
_CLAIM_EVENT: dict[str, object] = {}
_RECEIVE: dict[str, object] = {}


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # The unit of work open in the current task, if any: a transaction opened inside
        # it joins it, so that a command's steps can commit together, or not at all.
        self._current: ContextVar[Transaction | None] = ContextVar(
            f"transaction-{id(self)}", default=None
        )
        # SQLite takes one writer at a time, and makes the others wait by sleeping and trying
        # again (up to 100 ms a sleep): under load, most of the time goes to those sleeps. This
        # process's units of work take turns here instead, and SQLite only arbitrates between
        # processes. PostgreSQL locks rows, not the database: no turns there.
        self._turns = Turns() if engine.dialect.name == "sqlite" else None

    @asynccontextmanager
    async def transaction(self, priority: bool = False) -> AsyncIterator[Transaction]:
        """A unit of work; ``priority`` ones (keeping events a platform waits to be
        acknowledged) take their turn before the others waiting."""
        current = self._current.get()
        if current is not None:
            yield current
            return
        async with self._turns.turn(priority) if self._turns else contextlib.nullcontext():
            async with self.engine.begin() as conn:
                tx = Transaction(conn)
                token = self._current.set(tx)
                try:
                    yield tx
                finally:
                    self._current.reset(token)
        # Committed: now the platform may be told, without holding the database meanwhile.
        for action in tx.committed_actions:
            await action()


class Turns:
    """One unit of work at a time in this process; priority ones go before the others."""

    def __init__(self) -> None:
        self._busy = False
        self._waiting: tuple[deque[asyncio.Future], deque[asyncio.Future]] = (deque(), deque())

    @asynccontextmanager
    async def turn(self, priority: bool) -> AsyncIterator[None]:
        if self._busy:
            waiting = asyncio.get_running_loop().create_future()
            self._waiting[0 if priority else 1].append(waiting)
            try:
                await waiting
            except asyncio.CancelledError:
                if waiting.done() and not waiting.cancelled():
                    self._pass_on()  # the turn was handed over just as this was cancelled
                else:
                    self._waiting[0 if priority else 1].remove(waiting)
                raise
        else:
            self._busy = True
        try:
            yield
        finally:
            self._pass_on()

    def _pass_on(self) -> None:
        for queue in self._waiting:
            while queue:
                waiting = queue.popleft()
                if not waiting.done():
                    waiting.set_result(None)  # still busy: the turn is theirs now
                    return
        self._busy = False


class Transaction:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.committed_actions: list[Callable[[], Awaitable[None]]] = []
        self.deliveries = Deliveries(conn)

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run ``action`` once the unit of work has committed (never if it rolls back)."""
        self.committed_actions.append(action)

    # -- helpers ---------------------------------------------------------

    def _insert_ignoring(self, table, *conflict_columns: str):
        """INSERT … ON CONFLICT DO NOTHING on either backend (the unique keys carry idempotence)."""
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        return dialect.insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns))

    async def _insert_new(self, table, conflict_columns: tuple[str, ...], values: dict) -> bool:
        """Insert a row unless its unique key exists; True if inserted. The statement is built
        once per table and backend: on the paths every event takes, building it cost more than running it."""
        key = (self.conn.dialect.name, table.name, conflict_columns)
        stmt = _INSERT_NEW.get(key)
        if stmt is None:
            stmt = _INSERT_NEW[key] = self._insert_ignoring(table, *conflict_columns)
        return (await self.conn.execute(stmt, values)).rowcount == 1

    async def _inserted(self, stmt) -> bool:
        return (await self.conn.execute(stmt)).rowcount == 1

    # -- communities and members ----------------------------------------

    async def community(self, defaults: CommunitySettings, now: datetime) -> CommunitySettings:
        """The community's settings, created from ``defaults`` the first time it is seen."""
        row = await self._community_row(defaults.community_id)
        if row is None:
            await self.conn.execute(
                self._insert_ignoring(communities, "id").values(
                    id=defaults.community_id, created_at=now, **_settings_values(defaults)
                )
            )
            row = await self._community_row(defaults.community_id)
        return CommunitySettings(
            community_id=row.id,
            language=row.language,
            timezone=row.timezone,
            help_channel=row.help_channel,
            resources_channel=row.resources_channel,
            helpful_emoji=row.helpful_emoji,
            me_too_emoji=row.me_too_emoji,
            bookmark_emoji=row.bookmark_emoji,
            reminder_delay=timedelta(minutes=row.reminder_delay_minutes),
        )

    async def _community_row(self, community_id: str):
        return (
            await self.conn.execute(select(communities).where(communities.c.id == community_id))
        ).first()

    async def save_settings(self, settings: CommunitySettings) -> None:
        await self.conn.execute(
            update(communities)
            .where(communities.c.id == settings.community_id)
            .values(**_settings_values(settings))
        )

    async def community_ids(self) -> list[str]:
        return list(
            (await self.conn.execute(select(communities.c.id).order_by(communities.c.id))).scalars()
        )

    async def see_member(
        self,
        community_id: str,
        member_id: str,
        name: str,
        now: datetime,
        locale: str | None = None,
    ) -> None:
        """Remember a member's display name, locale and last activity (for thanks by name,
        private notices in their language, active members).

        One statement, which writes only when the name or locale changed or the last write is
        an hour old: it runs at every command and event.
        """
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        insert_ = dialect.insert(members).values(
            community_id=community_id,
            member_id=member_id,
            name=name or member_id,
            locale=locale,
            last_seen_at=now,
        )
        # A platform that gives no name (or locale) this time keeps the one it gave before.
        changes = {"last_seen_at": insert_.excluded.last_seen_at}
        stale = members.c.last_seen_at < now - timedelta(hours=1)
        if name:
            changes["name"] = insert_.excluded.name
            stale = stale | (members.c.name != insert_.excluded.name)
        if locale:
            changes["locale"] = insert_.excluded.locale
            stale = (
                stale | members.c.locale.is_(None) | (members.c.locale != insert_.excluded.locale)
            )
        await self.conn.execute(
            insert_.on_conflict_do_update(
                index_elements=["community_id", "member_id"], set_=changes, where=stale
            )
        )

    async def member_locale(self, community_id: str, member_id: str) -> str | None:
        """The locale the platform last gave for a member, if any."""
        found = await self.conn.execute(
            select(members.c.locale).where(
                members.c.community_id == community_id, members.c.member_id == member_id
            )
        )
        return found.scalar_one_or_none()

    async def member_names(self, community_id: str, member_ids: Iterable[str]) -> dict[str, str]:
        ids = list(set(member_ids))
        if not ids:
            return {}
        rows = await self.conn.execute(
            select(members.c.member_id, members.c.name).where(
                members.c.community_id == community_id, members.c.member_id.in_(ids)
            )
        )
        return {member_id: name for member_id, name in rows}

    async def receive_events(
        self, events: Sequence[tuple[str, str, str, dict]], now: datetime
    ) -> set[tuple[str, str]]:
        """Keep events as platforms sent them, before acknowledging them: (community, key,
        platform, payload) each. Return the (community, key) that were new; the others were
        received already (redeliveries: their first copy is, or will be, handled)."""
        if not events:
            return set()
        # One statement, compiled once, run for many rows: compiling a multi-row VALUES
        # for each batch cost more than the insert itself.
        stmt = _RECEIVE.get(self.conn.dialect.name)
        if stmt is None:
            stmt = _RECEIVE[self.conn.dialect.name] = self._insert_ignoring(
                processed_events, "community_id", "event_key"
            ).returning(processed_events.c.community_id, processed_events.c.event_key)
        rows = await self.conn.execute(
            stmt,
            [
                {
                    "community_id": community_id,
                    "event_key": event_key[:200],
                    "created_at": now,
                    "platform": platform,
                    "payload": payload,
                    "processed_at": None,
                }
                for community_id, event_key, platform, payload in events
            ],
        )
        return {(row.community_id, row.event_key) for row in rows}

    async def claim_event(self, community_id: str, event_key: str, now: datetime) -> bool:
        """True the first time an event is handled (received or not); False for every redelivery.

        One statement, on the path every event takes: inserted as processed, or marked
        processed if it was only received.
        """
        dialect = self.conn.dialect.name
        stmt = _CLAIM_EVENT.get(dialect)
        if stmt is None:
            insert_ = (postgresql if dialect == "postgresql" else sqlite).insert(processed_events)
            stmt = _CLAIM_EVENT[dialect] = insert_.on_conflict_do_update(
                index_elements=["community_id", "event_key"],
                set_={"processed_at": insert_.excluded.processed_at},
                where=processed_events.c.processed_at.is_(None),
            )
        values = {
            "community_id": community_id,
            "event_key": event_key[:200],
            "created_at": now,
            "processed_at": now,
        }
        return (await self.conn.execute(stmt, values)).rowcount == 1

    async def unhandled_events(self, received_before: datetime, limit: int = 100) -> list[tuple]:
        """(platform, community, key, payload) of events received before ``received_before``
        and never handled: their instance died, or had too many waiting."""
        rows = await self.conn.execute(
            select(
                processed_events.c.platform,
                processed_events.c.community_id,
                processed_events.c.event_key,
                processed_events.c.payload,
            )
            .where(
                processed_events.c.processed_at.is_(None),
                processed_events.c.created_at < received_before,
            )
            .order_by(processed_events.c.created_at)
            .limit(limit)
        )
        return [tuple(row) for row in rows]

    async def unhandled_count(self) -> int:
        """How many events were received and not yet handled."""
        found = await self.conn.execute(
            select(func.count()).where(processed_events.c.processed_at.is_(None))
        )
        return found.scalar_one()

    async def forget_events(self, before: datetime) -> int:
        """Drop the events received before ``before``: no platform redelivers that late, and
        one left unhandled for a week will not be."""
        result = await self.conn.execute(
            delete(processed_events).where(processed_events.c.created_at < before)
        )
        return result.rowcount

    # -- topics ----------------------------------------------------------

    async def add_topics(self, community_id: str, member_id: str, topics: Sequence[str]) -> None:
        for topic in topics:
            await self.conn.execute(
                self._insert_ignoring(member_topics, "community_id", "member_id", "topic").values(
                    community_id=community_id, member_id=member_id, topic=topic
                )
            )

    async def remove_topics(self, community_id: str, member_id: str, topics: Sequence[str]) -> None:
        await self.conn.execute(
            delete(member_topics).where(
                member_topics.c.community_id == community_id,
                member_topics.c.member_id == member_id,
                member_topics.c.topic.in_(list(topics)),
            )
        )

    async def topics(self, community_id: str, member_id: str) -> list[str]:
        rows = await self.conn.execute(
            select(member_topics.c.topic)
            .where(
                member_topics.c.community_id == community_id, member_topics.c.member_id == member_id
            )
            .order_by(member_topics.c.topic)
        )
        return list(rows.scalars())

    async def members_with_topics(self, community_id: str, topics: Sequence[str]) -> list[str]:
        if not topics:
            return []
        rows = await self.conn.execute(
            select(member_topics.c.member_id)
            .where(
                member_topics.c.community_id == community_id,
                member_topics.c.topic.in_(list(topics)),
            )
            .distinct()
            .order_by(member_topics.c.member_id)
        )
        return list(rows.scalars())

    # -- questions and answers ---------------------------------------------

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
    ) -> Question:
        result = await self.conn.execute(
            insert(questions)
            .values(
                community_id=community_id,
                channel_id=channel_id,
                asker_id=asker_id,
                anonymous=anonymous,
                title=title,
                details=details,
                tags=list(tags),
                status=status.value,
                created_at=now,
                reminders_sent=0,
            )
            .returning(questions.c.id)
        )
        question = await self.question(community_id, result.scalar_one())
        assert question is not None
        return question

    async def question(self, community_id: str, question_id: int) -> Question | None:
        return await self._one_question(questions.c.id == question_id, community_id)

    async def question_by_message(self, community_id: str, message_id: str) -> Question | None:
        return await self._one_question(questions.c.message_id == message_id, community_id)

    async def _one_question(self, condition, community_id: str) -> Question | None:
        row = (
            await self.conn.execute(
                select(questions).where(condition, questions.c.community_id == community_id)
            )
        ).first()
        return _question(row) if row else None

    async def questions_by_ids(self, community_id: str, ids: Sequence[int]) -> dict[int, Question]:
        if not ids:
            return {}
        rows = await self.conn.execute(
            select(questions).where(
                questions.c.community_id == community_id, questions.c.id.in_(list(ids))
            )
        )
        return {row.id: _question(row) for row in rows}

    async def update_question(self, question: Question) -> None:
        await self.conn.execute(
            update(questions)
            .where(questions.c.id == question.id, questions.c.community_id == question.community_id)
            .values(
                channel_id=question.channel_id,
                message_id=question.message_id,
                asker_id=question.asker_id,
                anonymous=question.anonymous,
                status=question.status.value,
                first_answer_at=question.first_answer_at,
                resolved_at=question.resolved_at,
                accepted_answer_id=question.accepted_answer_id,
                reminders_sent=question.reminders_sent,
            )
        )

    async def open_questions(self, community_id: str, limit: int) -> list[Question]:
        """The community's most recent questions that are posted and still open or answered."""
        return await self._questions(
            questions.c.community_id == community_id,
            questions.c.message_id.is_not(None),
            questions.c.status.in_([QuestionStatus.OPEN.value, QuestionStatus.ANSWERED.value]),
            order_by=questions.c.id.desc(),
            limit=limit,
        )

    async def _questions(self, *conditions, order_by, limit: int | None = None) -> list[Question]:
        """The questions meeting every condition, in order; callers scope them by community."""
        order = order_by if isinstance(order_by, tuple) else (order_by,)
        stmt = select(questions).where(*conditions).order_by(*order)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [_question(row) for row in await self.conn.execute(stmt)]

    async def questions_between(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[Question]:
        return await self._questions(
            questions.c.community_id == community_id,
            questions.c.created_at >= start,
            questions.c.created_at < end,
            questions.c.status.notin_([QuestionStatus.DRAFT.value, QuestionStatus.WITHDRAWN.value]),
            order_by=questions.c.created_at,
        )

    async def resolved_between(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[Question]:
        return await self._questions(
            questions.c.community_id == community_id,
            questions.c.status == QuestionStatus.RESOLVED.value,
            questions.c.resolved_at >= start,
            questions.c.resolved_at < end,
            order_by=questions.c.resolved_at,
        )

    async def unanswered_questions(
        self, created_before: datetime, max_reminders: int
    ) -> list[Question]:
        """Open questions of every community, with no answer yet and reminders left to send."""
        return await self._questions(
            questions.c.status == QuestionStatus.OPEN.value,
            questions.c.first_answer_at.is_(None),
            questions.c.message_id.is_not(None),
            questions.c.created_at <= created_before,
            questions.c.reminders_sent < max_reminders,
            order_by=(questions.c.created_at, questions.c.id),
        )

    async def add_reminder(self, question: Question, round_: int, now: datetime) -> bool:
        """Record that reminder ``round_`` of a question is on its way; False if it already was."""
        inserted = await self._inserted(
            self._insert_ignoring(reminders, "question_id", "round").values(
                community_id=question.community_id,
                question_id=question.id,
                round=round_,
                queued_at=now,
            )
        )
        if inserted:
            await self.conn.execute(
                update(questions)
                .where(questions.c.id == question.id, questions.c.reminders_sent < round_)
                .values(reminders_sent=round_)
            )
        return inserted

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
        inserted = await self._inserted(
            self._insert_ignoring(answers, "community_id", "message_id").values(
                community_id=community_id,
                question_id=question_id,
                author_id=author_id,
                text=text,
                message_id=message_id,
                created_at=now,
            )
        )
        return await self.answer_by_message(community_id, message_id) if inserted else None

    async def answer(self, community_id: str, answer_id: int) -> Answer | None:
        return await self._one_answer(answers.c.id == answer_id, community_id)

    async def answer_by_message(self, community_id: str, message_id: str) -> Answer | None:
        return await self._one_answer(answers.c.message_id == message_id, community_id)

    async def _one_answer(self, condition, community_id: str) -> Answer | None:
        rows = await self._answers(and_(condition, answers.c.community_id == community_id))
        return rows[0] if rows else None

    async def answer_and_question(
        self, community_id: str, message_id: str
    ) -> tuple[Answer, Question] | None:
        """The answer that is message ``message_id``, with its question, in one query (reactions are many)."""
        found = await self.conn.execute(
            _ANSWER_AND_QUESTION, {"community_id": community_id, "message_id": message_id}
        )
        row = found.first()
        if row is None:
            return None
        answer = Answer(
            id=row.answer_id,
            community_id=community_id,
            question_id=row.id,
            author_id=row.answer_author_id,
            text=row.answer_text,
            message_id=message_id,
            created_at=row.answer_created_at,
            helpful_count=row.helpful_count,
        )
        return answer, _question(row)

    async def answers(self, community_id: str, question_id: int) -> list[Answer]:
        return await self._answers(
            and_(answers.c.community_id == community_id, answers.c.question_id == question_id)
        )

    async def _answers(self, condition) -> list[Answer]:
        helpful = _helpful_count()
        rows = await self.conn.execute(
            select(answers, helpful.label("helpful_count"))
            .where(condition)
            .order_by(answers.c.created_at, answers.c.id)
        )
        return [
            Answer(
                id=row.id,
                community_id=row.community_id,
                question_id=row.question_id,
                author_id=row.author_id,
                text=row.text,
                message_id=row.message_id,
                created_at=row.created_at,
                helpful_count=row.helpful_count,
            )
            for row in rows
        ]

    # -- marks (counted reactions) ------------------------------------------

    async def add_mark(
        self, community_id: str, message_id: str, member_id: str, kind: MarkKind, now: datetime
    ) -> bool:
        """Count one member's reaction; False if it counts already, or was revoked (see
        :meth:`revoke_marks`): a revoked mark counts again only after the reaction was removed."""
        return await self._insert_new(
            marks,
            ("community_id", "message_id", "member_id", "kind"),
            {
                "community_id": community_id,
                "message_id": message_id,
                "member_id": member_id,
                "kind": kind.value,
                "created_at": now,
            },
        )

    async def remove_mark(
        self, community_id: str, message_id: str, member_id: str, kind: MarkKind
    ) -> bool:
        """The reaction is gone; True if it counted until now."""
        result = await self.conn.execute(
            delete(marks)
            .where(
                marks.c.community_id == community_id,
                marks.c.message_id == message_id,
                marks.c.member_id == member_id,
                marks.c.kind == kind.value,
            )
            .returning(marks.c.revoked_at)
        )
        return any(revoked is None for (revoked,) in result)

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
        if present:
            return await self.add_mark(community_id, message_id, member_id, kind, now)
        return await self.remove_mark(community_id, message_id, member_id, kind)

    async def clear_marks(self, community_id: str, message_id: str, kind: MarkKind) -> None:
        """The reactions were removed from the platform (a moderator's clear): the marks go."""
        await self.conn.execute(delete(marks).where(*_marks_of(community_id, message_id, kind)))

    async def revoke_marks(
        self, community_id: str, message_id: str, kind: MarkKind, now: datetime
    ) -> None:
        """Undo marks on purpose while their reactions stay on the platform (a question
        reopened, another answer accepted): they stop counting, and a reaction read back
        later (a restart's reconciliation) does not bring them back."""
        await self.conn.execute(
            update(marks)
            .where(*_marks_of(community_id, message_id, kind), marks.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def count_marks(self, community_id: str, message_id: str, kind: MarkKind) -> int:
        result = await self.conn.execute(
            select(func.count()).where(
                *_marks_of(community_id, message_id, kind), marks.c.revoked_at.is_(None)
            )
        )
        return result.scalar_one()

    # -- resources ---------------------------------------------------------

    async def resource_by_url(self, community_id: str, url: str) -> Resource | None:
        return await self._one_resource(resources.c.url == url, community_id)

    async def resource(self, community_id: str, resource_id: int) -> Resource | None:
        return await self._one_resource(resources.c.id == resource_id, community_id)

    async def resource_by_post(self, community_id: str, message_id: str) -> Resource | None:
        return await self._one_resource(resources.c.post_message_id == message_id, community_id)

    async def _one_resource(self, condition, community_id: str) -> Resource | None:
        found = await self._resources_where(
            and_(condition, resources.c.community_id == community_id)
        )
        return found[0] if found else None

    async def resources_by_ids(self, community_id: str, ids: Sequence[int]) -> dict[int, Resource]:
        if not ids:
            return {}
        found = await self._resources_where(
            and_(resources.c.community_id == community_id, resources.c.id.in_(list(ids)))
        )
        return {r.id: r for r in found}

    async def resources_between(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[Resource]:
        return await self._resources_where(
            and_(
                resources.c.community_id == community_id,
                resources.c.created_at >= start,
                resources.c.created_at < end,
            )
        )

    async def _resources_where(self, condition) -> list[Resource]:
        rows = (
            await self.conn.execute(select(resources).where(condition).order_by(resources.c.id))
        ).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        tags: dict[int, list[str]] = {i: [] for i in ids}
        for rid, tag in await self.conn.execute(
            select(resource_tags.c.resource_id, resource_tags.c.tag)
            .where(resource_tags.c.resource_id.in_(ids))
            .order_by(resource_tags.c.tag)
        ):
            tags[rid].append(tag)
        notes: dict[int, list[str]] = {i: [] for i in ids}
        for rid, note in await self.conn.execute(
            select(resource_notes.c.resource_id, resource_notes.c.text)
            .where(resource_notes.c.resource_id.in_(ids), resource_notes.c.text != "")
            .order_by(resource_notes.c.id)
        ):
            notes[rid].append(note)
        upvotes = dict(
            (
                await self.conn.execute(
                    select(marks.c.message_id, func.count())
                    .where(
                        marks.c.community_id == rows[0].community_id,
                        marks.c.kind == MarkKind.UPVOTE.value,
                        marks.c.revoked_at.is_(None),
                        marks.c.message_id.in_(
                            [r.post_message_id for r in rows if r.post_message_id]
                        ),
                    )
                    .group_by(marks.c.message_id)
                )
            ).all()
        )
        return [
            Resource(
                id=row.id,
                community_id=row.community_id,
                url=row.url,
                title=row.title,
                shared_by=row.shared_by,
                created_at=row.created_at,
                tags=tuple(tags[row.id]),
                notes=tuple(notes[row.id]),
                upvotes=upvotes.get(row.post_message_id, 0),
                post_message_id=row.post_message_id,
            )
            for row in rows
        ]

    async def add_resource(
        self,
        community_id: str,
        url: str,
        shared_by: str,
        source_message_id: str | None,
        now: datetime,
    ) -> Resource | None:
        """Insert a new resource; None when the community already has that URL."""
        inserted = await self._inserted(
            self._insert_ignoring(resources, "community_id", "url").values(
                community_id=community_id,
                url=url,
                title="",
                shared_by=shared_by,
                source_message_id=source_message_id,
                created_at=now,
            )
        )
        return await self.resource_by_url(community_id, url) if inserted else None

    async def add_resource_details(
        self, resource: Resource, tags: Sequence[str], note: str, author_id: str, now: datetime
    ) -> tuple[list[str], bool]:
        """Merge tags and a note into a resource; return the tags that were new and whether the note was."""
        new_tags = [tag for tag in tags if tag not in resource.tags]
        for tag in new_tags:
            await self.conn.execute(
                self._insert_ignoring(resource_tags, "resource_id", "tag").values(
                    community_id=resource.community_id, resource_id=resource.id, tag=tag
                )
            )
        new_note = bool(note) and note not in resource.notes
        if new_note:
            await self.conn.execute(
                insert(resource_notes).values(
                    community_id=resource.community_id,
                    resource_id=resource.id,
                    author_id=author_id,
                    text=note,
                    created_at=now,
                )
            )
        return new_tags, new_note

    # -- schedules, occurrences and prompts ------------------------------------

    async def set_schedule(
        self,
        community_id: str,
        kind: ScheduleKind,
        channel_id: str,
        weekday: int,
        local_time: str,
        timezone: str,
        now: datetime,
    ) -> None:
        key = and_(
            schedules.c.community_id == community_id,
            schedules.c.kind == kind.value,
            schedules.c.channel_id == channel_id,
        )
        values = {"weekday": weekday, "local_time": local_time, "timezone": timezone}
        changed = await self.conn.execute(update(schedules).where(key).values(**values))
        if changed.rowcount == 0:
            await self.conn.execute(
                insert(schedules).values(
                    community_id=community_id,
                    kind=kind.value,
                    channel_id=channel_id,
                    created_at=now,
                    **values,
                )
            )

    async def remove_schedule(self, community_id: str, kind: ScheduleKind, channel_id: str) -> bool:
        result = await self.conn.execute(
            delete(schedules).where(
                schedules.c.community_id == community_id,
                schedules.c.kind == kind.value,
                schedules.c.channel_id == channel_id,
            )
        )
        return result.rowcount > 0

    async def schedules(self, community_id: str | None = None) -> list[Schedule]:
        """The schedules of one community, or of all (what the scheduler looks at)."""
        stmt = select(schedules).order_by(schedules.c.community_id, schedules.c.id)
        if community_id is not None:
            stmt = stmt.where(schedules.c.community_id == community_id)
        return [_schedule(row) for row in await self.conn.execute(stmt)]

    async def known_weeks(
        self, schedule_ids: Sequence[int], weeks: Sequence[str]
    ) -> set[tuple[int, str]]:
        """Which (schedule, week) occurrences are already claimed, posted or skipped."""
        if not schedule_ids:
            return set()
        rows = await self.conn.execute(
            select(occurrences.c.schedule_id, occurrences.c.week).where(
                occurrences.c.schedule_id.in_(list(schedule_ids)),
                occurrences.c.week.in_(list(weeks)),
            )
        )
        return {tuple(row) for row in rows}

    async def add_occurrence(
        self,
        schedule: Schedule,
        week: str,
        due_at: datetime,
        now: datetime,
        status: OccurrenceStatus,
        prompt_id: str | None = None,
    ) -> int | None:
        """Record one week of a schedule; None when it is recorded already.

        The unique key (schedule, week) makes exactly one of racing instances record it,
        and so queue its post.
        """
        result = await self.conn.execute(
            self._insert_ignoring(occurrences, "schedule_id", "week")
            .values(
                community_id=schedule.community_id,
                schedule_id=schedule.id,
                channel_id=schedule.channel_id,
                week=week,
                due_at=due_at,
                status=status.value,
                prompt_id=prompt_id,
                queued_at=now,
            )
            .returning(occurrences.c.id)
        )
        return result.scalar_one_or_none()

    async def occurrence(self, community_id: str, occurrence_id: int) -> Occurrence | None:
        row = (
            await self.conn.execute(
                select(occurrences, schedules.c.kind)
                .join(schedules, schedules.c.id == occurrences.c.schedule_id)
                .where(
                    occurrences.c.id == occurrence_id, occurrences.c.community_id == community_id
                )
            )
        ).first()
        if row is None:
            return None
        return Occurrence(
            id=row.id,
            community_id=row.community_id,
            kind=ScheduleKind(row.kind),
            channel_id=row.channel_id,
            week=row.week,
            due_at=row.due_at,
            status=OccurrenceStatus(row.status),
            prompt_id=row.prompt_id,
            message_id=row.message_id,
        )

    async def used_prompt_ids(self, community_id: str, channel_id: str) -> list[str]:
        """Prompts already posted in a channel, oldest first."""
        rows = await self.conn.execute(
            select(occurrences.c.prompt_id)
            .where(
                occurrences.c.community_id == community_id,
                occurrences.c.channel_id == channel_id,
                occurrences.c.prompt_id.is_not(None),
            )
            .order_by(occurrences.c.due_at, occurrences.c.id)
        )
        return list(rows.scalars())

    async def occurrence_by_message(
        self, community_id: str, message_id: str
    ) -> tuple[int, str | None] | None:
        """The (occurrence id, prompt id) whose prompt post is ``message_id``; a digest is none."""
        row = (
            await self.conn.execute(
                select(occurrences.c.id, occurrences.c.prompt_id)
                .join(schedules, schedules.c.id == occurrences.c.schedule_id)
                .where(
                    occurrences.c.community_id == community_id,
                    occurrences.c.message_id == message_id,
                    schedules.c.kind == ScheduleKind.PROMPT.value,
                )
            )
        ).first()
        return (row.id, row.prompt_id) if row else None

    async def add_custom_prompt(
        self,
        community_id: str,
        prompt_id: str,
        theme: str,
        language: str,
        text: str,
        author_id: str,
        now: datetime,
    ) -> None:
        await self.conn.execute(
            insert(custom_prompts).values(
                community_id=community_id,
                prompt_id=prompt_id,
                theme=theme,
                language=language,
                text=text,
                author_id=author_id,
                created_at=now,
            )
        )

    async def custom_prompts(self, community_id: str) -> list[tuple[str, str, str, str]]:
        """(prompt id, theme, language, text) of a community's own prompts, oldest first."""
        rows = await self.conn.execute(
            select(
                custom_prompts.c.prompt_id,
                custom_prompts.c.theme,
                custom_prompts.c.language,
                custom_prompts.c.text,
            )
            .where(custom_prompts.c.community_id == community_id)
            .order_by(custom_prompts.c.created_at, custom_prompts.c.prompt_id)
        )
        return [tuple(row) for row in rows]

    async def add_share(
        self,
        community_id: str,
        occurrence_id: int,
        author_id: str,
        text: str,
        message_id: str,
        now: datetime,
    ) -> PracticeShare | None:
        result = await self.conn.execute(
            self._insert_ignoring(practice_shares, "community_id", "message_id")
            .values(
                community_id=community_id,
                occurrence_id=occurrence_id,
                author_id=author_id,
                text=text,
                message_id=message_id,
                created_at=now,
            )
            .returning(practice_shares.c.id)
        )
        share_id = result.scalar_one_or_none()
        if share_id is None:
            return None
        return (await self.shares_by_ids(community_id, [share_id]))[share_id]

    async def _shares_where(self, condition) -> list[PracticeShare]:
        rows = await self.conn.execute(
            select(practice_shares, occurrences.c.prompt_id)
            .join(occurrences, occurrences.c.id == practice_shares.c.occurrence_id)
            .where(condition)
            .order_by(practice_shares.c.id)
        )
        return [
            PracticeShare(
                r.id,
                r.community_id,
                r.occurrence_id,
                r.author_id,
                r.text,
                r.created_at,
                r.prompt_id,
            )
            for r in rows
        ]

    async def shares_between(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[PracticeShare]:
        return await self._shares_where(
            and_(
                practice_shares.c.community_id == community_id,
                practice_shares.c.created_at >= start,
                practice_shares.c.created_at < end,
            )
        )

    async def shares_by_ids(
        self, community_id: str, ids: Sequence[int]
    ) -> dict[int, PracticeShare]:
        if not ids:
            return {}
        found = await self._shares_where(
            and_(
                practice_shares.c.community_id == community_id, practice_shares.c.id.in_(list(ids))
            )
        )
        return {s.id: s for s in found}

    # -- search --------------------------------------------------------------

    async def index(
        self, community_id: str, kind: Kind, ref_id: int, title: str, body: str
    ) -> None:
        """Make an item findable (or refresh it); title and body come folded from the core."""
        key = and_(
            search_documents.c.community_id == community_id,
            search_documents.c.kind == kind.value,
            search_documents.c.ref_id == ref_id,
        )
        changed = await self.conn.execute(
            update(search_documents).where(key).values(title=title, body=body)
        )
        if changed.rowcount == 0:
            await self.conn.execute(
                insert(search_documents).values(
                    community_id=community_id,
                    kind=kind.value,
                    ref_id=ref_id,
                    title=title,
                    body=body,
                )
            )

    async def unindex(self, community_id: str, kind: Kind, ref_id: int) -> None:
        await self.conn.execute(
            delete(search_documents).where(
                search_documents.c.community_id == community_id,
                search_documents.c.kind == kind.value,
                search_documents.c.ref_id == ref_id,
            )
        )

    async def search(
        self,
        community_id: str,
        query: Query,
        kinds: Sequence[Kind],
        tag: str | None = None,
        limit: int = 10,
    ) -> list[Hit]:
        return await search_backend.search(self.conn, community_id, query, kinds, tag, limit)

    # -- recognition and health ----------------------------------------------

    async def credits(
        self, community_id: str, since: datetime | None = None
    ) -> dict[str, dict[str, int]]:
        """Per member: helpful marks received, accepted answers, practice shares, resources."""
        credits: dict[str, dict[str, int]] = {}

        def add(member_id: str | None, what: str, count: int) -> None:
            if member_id:
                credits.setdefault(
                    member_id, {"helpful": 0, "accepted": 0, "shares": 0, "resources": 0}
                )
                credits[member_id][what] += count

        for kind, what in ((MarkKind.HELPFUL, "helpful"), (MarkKind.ACCEPTED, "accepted")):
            stmt = (
                select(answers.c.author_id, func.count())
                .select_from(
                    marks.join(
                        answers,
                        and_(
                            answers.c.community_id == marks.c.community_id,
                            answers.c.message_id == marks.c.message_id,
                        ),
                    )
                )
                .where(
                    marks.c.community_id == community_id,
                    marks.c.kind == kind.value,
                    marks.c.revoked_at.is_(None),
                )
                .group_by(answers.c.author_id)
            )
            if since is not None:
                stmt = stmt.where(marks.c.created_at >= since)
            for member_id, count in await self.conn.execute(stmt):
                add(member_id, what, count)
        for table, column, what in (
            (practice_shares, practice_shares.c.author_id, "shares"),
            (resources, resources.c.shared_by, "resources"),
        ):
            stmt = (
                select(column, func.count())
                .where(table.c.community_id == community_id)
                .group_by(column)
            )
            if since is not None:
                stmt = stmt.where(table.c.created_at >= since)
            for member_id, count in await self.conn.execute(stmt):
                add(member_id, what, count)
        return credits

    async def active_members(self, community_id: str, since: datetime) -> int:
        result = await self.conn.execute(
            select(func.count()).where(
                members.c.community_id == community_id, members.c.last_seen_at >= since
            )
        )
        return result.scalar_one()

    # -- export and erasure ------------------------------------------------------

    async def all_questions(self, community_id: str) -> list[Question]:
        return await self._questions(
            questions.c.community_id == community_id,
            questions.c.status.notin_([QuestionStatus.DRAFT.value, QuestionStatus.WITHDRAWN.value]),
            order_by=questions.c.id,
        )

    async def all_resources(self, community_id: str) -> list[Resource]:
        return await self._resources_where(resources.c.community_id == community_id)

    async def all_shares(self, community_id: str) -> list[PracticeShare]:
        return await self._shares_where(practice_shares.c.community_id == community_id)

    async def forget_member(self, community_id: str, member_id: str, placeholder: str) -> Erasure:
        """Erase a member: questions anonymous, answer texts and notes emptied, marks and topics gone."""
        touched = Erasure(
            resolved_question_ids=list(
                (
                    await self.conn.execute(
                        select(questions.c.id).where(
                            questions.c.community_id == community_id,
                            questions.c.accepted_answer_id.in_(
                                select(answers.c.id).where(
                                    answers.c.community_id == community_id,
                                    answers.c.author_id == member_id,
                                )
                            ),
                        )
                    )
                ).scalars()
            ),
            resource_ids=list(
                (
                    await self.conn.execute(
                        select(resource_notes.c.resource_id)
                        .where(
                            resource_notes.c.community_id == community_id,
                            resource_notes.c.author_id == member_id,
                        )
                        .distinct()
                    )
                ).scalars()
            ),
            share_ids=list(
                (
                    await self.conn.execute(
                        select(practice_shares.c.id).where(
                            practice_shares.c.community_id == community_id,
                            practice_shares.c.author_id == member_id,
                        )
                    )
                ).scalars()
            ),
        )
        counts = touched.counts

        async def run(name: str, stmt) -> None:
            counts[name] = (await self.conn.execute(stmt)).rowcount

        await run(
            "questions",
            update(questions)
            .where(questions.c.community_id == community_id, questions.c.asker_id == member_id)
            .values(asker_id=None, anonymous=True),
        )
        await run(
            "answers",
            update(answers)
            .where(answers.c.community_id == community_id, answers.c.author_id == member_id)
            .values(author_id=None, text=placeholder),
        )
        await run(
            "notes",
            update(resource_notes)
            .where(
                resource_notes.c.community_id == community_id,
                resource_notes.c.author_id == member_id,
            )
            .values(author_id=None, text=""),
        )
        await run(
            "resources",
            update(resources)
            .where(resources.c.community_id == community_id, resources.c.shared_by == member_id)
            .values(shared_by=None),
        )
        await run(
            "shares",
            update(practice_shares)
            .where(
                practice_shares.c.community_id == community_id,
                practice_shares.c.author_id == member_id,
            )
            .values(author_id=None, text=placeholder),
        )
        await run(
            "reactions",
            delete(marks).where(
                marks.c.community_id == community_id, marks.c.member_id == member_id
            ),
        )
        await run(
            "topics",
            delete(member_topics).where(
                member_topics.c.community_id == community_id, member_topics.c.member_id == member_id
            ),
        )
        await self.conn.execute(
            update(custom_prompts)
            .where(
                custom_prompts.c.community_id == community_id,
                custom_prompts.c.author_id == member_id,
            )
            .values(author_id=None)
        )
        await self.conn.execute(
            delete(members).where(
                members.c.community_id == community_id, members.c.member_id == member_id
            )
        )
        return touched


def _marks_of(community_id: str, message_id: str, kind: MarkKind) -> tuple:
    return (
        marks.c.community_id == community_id,
        marks.c.message_id == message_id,
        marks.c.kind == kind.value,
    )


def _helpful_count():
    return (
        select(func.count())
        .where(
            marks.c.community_id == answers.c.community_id,
            marks.c.message_id == answers.c.message_id,
            marks.c.kind == MarkKind.HELPFUL.value,
            marks.c.revoked_at.is_(None),
        )
        .scalar_subquery()
    )


# Built once: every reaction on an answer runs it.
_ANSWER_AND_QUESTION = (
    select(
        questions,
        answers.c.id.label("answer_id"),
        answers.c.author_id.label("answer_author_id"),
        answers.c.text.label("answer_text"),
        answers.c.created_at.label("answer_created_at"),
        _helpful_count().label("helpful_count"),
    )
    .join(questions, questions.c.id == answers.c.question_id)
    .where(
        answers.c.community_id == bindparam("community_id"),
        answers.c.message_id == bindparam("message_id"),
    )
)


def _settings_values(settings: CommunitySettings) -> dict:
    return {
        "language": settings.language,
        "timezone": settings.timezone,
        "help_channel": settings.help_channel,
        "resources_channel": settings.resources_channel,
        "helpful_emoji": settings.helpful_emoji,
        "me_too_emoji": settings.me_too_emoji,
        "bookmark_emoji": settings.bookmark_emoji,
        "reminder_delay_minutes": int(settings.reminder_delay.total_seconds() // 60),
    }


def _schedule(row) -> Schedule:
    return Schedule(
        id=row.id,
        community_id=row.community_id,
        kind=ScheduleKind(row.kind),
        channel_id=row.channel_id,
        weekday=row.weekday,
        local_time=row.local_time,
        timezone=row.timezone,
        created_at=row.created_at,
    )


def _question(row) -> Question:
    return Question(
        id=row.id,
        community_id=row.community_id,
        channel_id=row.channel_id,
        message_id=row.message_id,
        asker_id=row.asker_id,
        anonymous=row.anonymous,
        title=row.title,
        details=row.details,
        tags=tuple(row.tags or ()),
        status=QuestionStatus(row.status),
        created_at=row.created_at,
        first_answer_at=row.first_answer_at,
        resolved_at=row.resolved_at,
        accepted_answer_id=row.accepted_answer_id,
        reminders_sent=row.reminders_sent,
    )

"""Questions, their answers and their reminder rounds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, select, update

from bot.domain import (
    Answer,
    CardFacts,
    Question,
    QuestionStatus,
)
from storage.repositories.question_rows import (
    ADD,
    ANSWER_AND_QUESTION,
    ANSWERS,
    BY_IDS,
    CARD,
    GET,
    WITH_ACCEPTED,
    accepted_from_row,
    answer_from_row,
    question_from_row,
)
from storage.sql import Repository
from storage.tables import (
    answers,
    questions,
    reminders,
)


class Questions(Repository):
    async def add(
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
            ADD,
            {
                "community_id": community_id,
                "channel_id": channel_id,
                "asker_id": asker_id,
                "anonymous": anonymous,
                "title": title,
                "details": details,
                "tags": list(tags),
                "status": status.value,
                "created_at": now,
                "reminders_sent": 0,
            },
        )
        return question_from_row(result.one())

    async def get(self, community_id: str, question_id: int) -> Question | None:
        # On the path of every card and every answer: the statement is built once.
        row = (
            await self.conn.execute(GET, {"question_id": question_id, "community_id": community_id})
        ).first()
        return question_from_row(row) if row else None

    async def card(self, community_id: str, question_id: int) -> CardFacts | None:
        """The question with what its card shows, in one statement: every card posted or
        edited reads them, and each statement is a round trip."""
        row = (
            await self.conn.execute(
                CARD, {"question_id": question_id, "community_id": community_id}
            )
        ).first()
        if row is None:
            return None
        return CardFacts(
            question_from_row(row),
            row.asker_name or "",
            row.taker_id,
            row.taker_name or "",
            row.me_too,
        )

    async def by_message(self, community_id: str, message_id: str) -> Question | None:
        return await self._one_question(questions.c.message_id == message_id, community_id)

    async def _one_question(self, condition, community_id: str) -> Question | None:
        row = (
            await self.conn.execute(
                select(questions).where(condition, questions.c.community_id == community_id)
            )
        ).first()
        return question_from_row(row) if row else None

    async def by_ids(self, community_id: str, ids: Sequence[int]) -> dict[int, Question]:
        if not ids:
            return {}
        rows = await self.conn.execute(BY_IDS, {"ids": list(ids)})
        # The community is checked on the rows: see storage.sql.
        return {row.id: question_from_row(row) for row in rows if row.community_id == community_id}

    async def update(self, question: Question) -> None:
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
                close_reason=question.close_reason.value if question.close_reason else None,
                duplicate_of=question.duplicate_of,
                closed_at=question.closed_at,
            )
        )

    async def open(self, community_id: str, limit: int) -> list[Question]:
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
        return [question_from_row(row) for row in await self.conn.execute(stmt)]

    async def asked_between(
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

    async def unanswered(self, created_before: datetime, max_reminders: int) -> list[Question]:
        """Open questions of every community, with no answer yet and reminders left to send."""
        return await self._questions(
            questions.c.status == QuestionStatus.OPEN.value,
            questions.c.first_answer_at.is_(None),
            questions.c.message_id.is_not(None),
            questions.c.created_at <= created_before,
            questions.c.reminders_sent < max_reminders,
            order_by=(questions.c.created_at, questions.c.id),
        )

    async def awaiting(self, asked_after: datetime, asked_before: datetime) -> list[Question]:
        """Open questions of every community, posted, with no answer yet, asked in
        (asked_after, asked_before], oldest first (what routing looks for members for)."""
        return await self._questions(
            questions.c.status == QuestionStatus.OPEN.value,
            questions.c.first_answer_at.is_(None),
            questions.c.message_id.is_not(None),
            questions.c.created_at > asked_after,
            questions.c.created_at <= asked_before,
            order_by=(questions.c.created_at, questions.c.id),
        )

    async def duplicates_of(self, community_id: str, question_id: int) -> list[Question]:
        """The questions closed as duplicates of this one."""
        return await self._questions(
            questions.c.community_id == community_id,
            questions.c.duplicate_of == question_id,
            order_by=questions.c.id,
        )

    async def closed_between(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[Question]:
        """Questions closed (not resolved) in [start, end), in the order they were closed."""
        return await self._questions(
            questions.c.community_id == community_id,
            questions.c.status == QuestionStatus.CLOSED.value,
            questions.c.closed_at >= start,
            questions.c.closed_at < end,
            order_by=questions.c.closed_at,
        )

    async def add_reminder(self, question: Question, round_: int, now: datetime) -> bool:
        """Record that reminder ``round_`` of a question is on its way (in a round-up); False
        if it already was."""
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
                .values(reminders_sent=round_, reminded_at=now)
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

    async def with_accepted(
        self, community_id: str, ids: Sequence[int]
    ) -> dict[int, tuple[Question, Answer | None]]:
        if not ids:
            return {}
        rows = await self.conn.execute(WITH_ACCEPTED, {"ids": list(ids)})
        return {
            row.id: (question_from_row(row), accepted_from_row(row))
            for row in rows
            if row.community_id == community_id  # see storage.sql
        }

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
            ANSWER_AND_QUESTION, {"community_id": community_id, "message_id": message_id}
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
        return answer, question_from_row(row)

    async def answers(self, community_id: str, question_id: int) -> list[Answer]:
        return await self._answers(
            and_(answers.c.community_id == community_id, answers.c.question_id == question_id)
        )

    async def _answers(self, condition) -> list[Answer]:
        rows = await self.conn.execute(ANSWERS.where(condition))
        return [answer_from_row(row) for row in rows]

    async def all(self, community_id: str) -> list[Question]:
        return await self._questions(
            questions.c.community_id == community_id,
            questions.c.status.notin_([QuestionStatus.DRAFT.value, QuestionStatus.WITHDRAWN.value]),
            order_by=questions.c.id,
        )

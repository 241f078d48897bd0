"""Nudges: askers asked which answer helped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from bot.domain import Nudge, Question, QuestionStatus
from storage.repositories.question_rows import question_from_row
from storage.sql import Repository
from storage.tables import answers, nudges, questions


class Nudges(Repository):
    async def add(
        self, community_id: str, question_id: int, answers: int, now: datetime
    ) -> Nudge | None:
        stmt = (
            self._insert_ignoring(nudges, "question_id", "answers")
            .values(
                community_id=community_id, question_id=question_id, answers=answers, asked_at=now
            )
            .returning(nudges.c.id)
        )
        nudge_id = (await self.conn.execute(stmt)).scalar_one_or_none()
        return None if nudge_id is None else await self.get(community_id, nudge_id)

    async def get(self, community_id: str, nudge_id: int) -> Nudge | None:
        found = await self._nudges(nudges.c.community_id == community_id, nudges.c.id == nudge_id)
        return found[0] if found else None

    async def for_question(self, community_id: str, question_id: int) -> list[Nudge]:
        return await self._nudges(
            nudges.c.community_id == community_id, nudges.c.question_id == question_id
        )

    async def _nudges(self, *conditions) -> list[Nudge]:
        rows = await self.conn.execute(
            select(nudges).where(*conditions).order_by(nudges.c.asked_at, nudges.c.id)
        )
        return [
            Nudge(
                id=row.id,
                community_id=row.community_id,
                question_id=row.question_id,
                answers=row.answers,
                asked_at=row.asked_at,
                still_open_at=row.still_open_at,
            )
            for row in rows
        ]

    async def still_open(self, community_id: str, nudge_id: int, now: datetime) -> bool:
        result = await self.conn.execute(
            update(nudges)
            .where(
                nudges.c.community_id == community_id,
                nudges.c.id == nudge_id,
                nudges.c.still_open_at.is_(None),
            )
            .values(still_open_at=now)
        )
        return result.rowcount == 1

    async def pending(self) -> list[tuple[Question, datetime]]:
        nudged = (
            select(func.coalesce(func.max(nudges.c.answers), 0))
            .where(nudges.c.question_id == questions.c.id)
            .scalar_subquery()
        )
        answered = (
            select(func.count()).where(answers.c.question_id == questions.c.id).scalar_subquery()
        )
        rows = list(
            await self.conn.execute(
                select(questions, nudged.label("nudged")).where(
                    questions.c.status == QuestionStatus.ANSWERED.value,
                    questions.c.asker_id.is_not(None),
                    answered > nudged,
                )
            )
        )
        if not rows:
            return []
        times: dict[int, list[datetime]] = {}
        for question_id, created_at in await self.conn.execute(
            select(answers.c.question_id, answers.c.created_at)
            .where(answers.c.question_id.in_([row.id for row in rows]))
            .order_by(answers.c.created_at, answers.c.id)
        ):
            times.setdefault(question_id, []).append(created_at)
        pending = [
            (question_from_row(row), times[row.id][row.nudged])
            for row in rows
            if len(times.get(row.id, ())) > row.nudged
        ]
        return sorted(pending, key=lambda item: (item[1], item[0].id))

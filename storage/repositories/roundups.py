"""Round-ups of unanswered questions, for a channel or a member."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from bot.domain import Roundup
from storage.sql import Repository
from storage.tables import roundups


class Roundups(Repository):
    async def add(
        self,
        community_id: str,
        route: str,
        day: str,
        number: int,
        question_ids: Sequence[int],
        now: datetime,
    ) -> int | None:
        stmt = (
            self._insert_ignoring(roundups, "community_id", "route", "day", "number")
            .values(
                community_id=community_id,
                route=route,
                day=day,
                number=number,
                question_ids=list(question_ids),
                queued_at=now,
            )
            .returning(roundups.c.id)
        )
        return (await self.conn.execute(stmt)).scalar_one_or_none()

    async def get(self, community_id: str, roundup_id: int) -> Roundup | None:
        row = (
            await self.conn.execute(
                select(roundups).where(
                    roundups.c.community_id == community_id, roundups.c.id == roundup_id
                )
            )
        ).first()
        if row is None:
            return None
        return Roundup(
            id=row.id,
            community_id=row.community_id,
            route=row.route,
            day=row.day,
            number=row.number,
            question_ids=tuple(row.question_ids or ()),
            queued_at=row.queued_at,
        )

    async def count(self, community_id: str, route: str, day: str) -> int:
        result = await self.conn.execute(
            select(func.count()).where(
                roundups.c.community_id == community_id,
                roundups.c.route == route,
                roundups.c.day == day,
            )
        )
        return result.scalar_one()

"""Practice sharing: schedules, their weekly occurrences, prompts, shares."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, bindparam, delete, insert, select, update

from bot.domain import (
    Occurrence,
    OccurrenceStatus,
    PracticeShare,
    Schedule,
    ScheduleKind,
)
from storage.sql import Repository
from storage.tables import (
    custom_prompts,
    occurrences,
    practice_shares,
    schedules,
)


class Practice(Repository):
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
        return await self._shares(_SHARES.where(condition))

    async def _shares(self, statement, params: dict | None = None) -> list[PracticeShare]:
        rows = await self.conn.execute(statement, params)
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
        found = await self._shares(_SHARES_BY_IDS, {"ids": list(ids)})
        return {s.id: s for s in found if s.community_id == community_id}  # see storage.sql

    async def all_shares(self, community_id: str) -> list[PracticeShare]:
        return await self._shares_where(practice_shares.c.community_id == community_id)


_SHARES = (
    select(practice_shares, occurrences.c.prompt_id)
    .join(occurrences, occurrences.c.id == practice_shares.c.occurrence_id)
    .order_by(practice_shares.c.id)
)
# Built once: a search loads its hits by id.
_SHARES_BY_IDS = _SHARES.where(practice_shares.c.id.in_(bindparam("ids", expanding=True)))


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

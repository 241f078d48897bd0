"""Counted reactions: helpful, accepted, me too, upvotes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from bot.domain import (
    MarkKind,
)
from storage.sql import Repository
from storage.tables import (
    marks,
)


def live_count(kind: MarkKind, community_id, message_id):
    """How many members' marks of ``kind`` stand on a message, as a subquery correlated to
    the columns of its community and message (an answer's helpful marks, a card's me-too)."""
    return (
        select(func.count())
        .where(
            marks.c.community_id == community_id,
            marks.c.message_id == message_id,
            marks.c.kind == kind.value,
            marks.c.revoked_at.is_(None),
        )
        .scalar_subquery()
    )


class Marks(Repository):
    async def add(
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

    async def remove(
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

    async def set(
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
            return await self.add(community_id, message_id, member_id, kind, now)
        return await self.remove(community_id, message_id, member_id, kind)

    async def clear(self, community_id: str, message_id: str, kind: MarkKind) -> None:
        """The reactions were removed from the platform (a moderator's clear): the marks go."""
        await self.conn.execute(delete(marks).where(*_marks_of(community_id, message_id, kind)))

    async def revoke(
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

    async def count(self, community_id: str, message_id: str, kind: MarkKind) -> int:
        result = await self.conn.execute(
            select(func.count()).where(
                *_marks_of(community_id, message_id, kind), marks.c.revoked_at.is_(None)
            )
        )
        return result.scalar_one()


def _marks_of(community_id: str, message_id: str, kind: MarkKind) -> tuple:
    return (
        marks.c.community_id == community_id,
        marks.c.message_id == message_id,
        marks.c.kind == kind.value,
    )

"""What the community's health and recognition are read from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select

from bot.domain import (
    MarkKind,
)
from storage.sql import Repository
from storage.tables import (
    answers,
    marks,
    members,
    practice_shares,
    resources,
)


class Reports(Repository):
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

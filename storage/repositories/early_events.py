"""Replies and reactions about a message whose post is not recorded yet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, literal, select

from bot.commands import Command, command_from_json, command_to_json
from storage.sql import Repository
from storage.tables import early_events

e = early_events.c


class EarlyEvents(Repository):
    async def keep(
        self, key: str, command: Command, in_flight_up_to: int | None, now: datetime
    ) -> None:
        actor = command.actor  # type: ignore[union-attr]  # replies and reactions have one
        await self._insert_new(
            early_events,
            ("community_id", "key"),
            {
                "community_id": actor.community_id,
                "key": key,
                "author_id": actor.member_id,
                "command": command_to_json(command),
                "in_flight_up_to": in_flight_up_to,
                "received_at": now,
            },
        )

    async def has(self, community_id: str, key: str) -> bool:
        found = await self.conn.execute(
            select(literal(1)).where(e.community_id == community_id, e.key == key)
        )
        return found.first() is not None

    async def oldest(self, limit: int = 100) -> list[tuple[str, Command, int | None, datetime]]:
        rows = await self.conn.execute(
            select(early_events).order_by(e.received_at, e.id).limit(limit)
        )
        return [
            (row.key, command_from_json(row.command), row.in_flight_up_to, row.received_at)
            for row in rows
        ]

    async def drop(self, community_id: str, key: str) -> bool:
        dropped = await self.conn.execute(
            delete(early_events).where(e.community_id == community_id, e.key == key)
        )
        return dropped.rowcount > 0

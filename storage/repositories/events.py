"""Platform events: kept when received, claimed when handled (with their effect)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.sql import Repository
from storage.tables import (
    processed_events,
)


class Events(Repository):
    async def receive(
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

    async def claim(self, community_id: str, event_key: str, now: datetime) -> bool:
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

    async def unhandled(self, received_before: datetime, limit: int = 100) -> list[tuple]:
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

    async def forget(self, before: datetime) -> int:
        """Drop the events received before ``before``: no platform redelivers that late, and
        one left unhandled for a week will not be."""
        result = await self.conn.execute(
            delete(processed_events).where(processed_events.c.created_at < before)
        )
        return result.rowcount


_CLAIM_EVENT: dict[str, object] = {}
_RECEIVE: dict[str, object] = {}

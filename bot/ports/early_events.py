"""Replies and reactions about a message whose post is not recorded yet (``bot.early``)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.commands import Command


class EarlyEvents(Protocol):
    async def keep(
        self, key: str, command: Command, in_flight_up_to: int | None, now: datetime
    ) -> None:
        """Keep a member's event until what it is about is known, with the newest post in
        flight when it came (what it may be about); the same key is kept once."""

    async def has(self, community_id: str, key: str) -> bool:
        """Whether an event with this key is kept (a reply, by its message id)."""

    async def oldest(self, limit: int = 100) -> list[tuple[str, Command, int | None, datetime]]:
        """(key, event, newest post in flight then, when it came) of the events kept, across
        communities; oldest first."""

    async def drop(self, community_id: str, key: str) -> bool:
        """Forget one event kept (handled, or waited for long enough); False if it was gone
        already (dropped by another unit of work, which this one waited for)."""

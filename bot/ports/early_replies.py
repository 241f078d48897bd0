"""Replies in a thread whose post is not recorded yet (``bot.threads``)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.commands import MessagePosted


class EarlyReplies(Protocol):
    async def keep(self, reply: MessagePosted, now: datetime) -> None:
        """Keep a member's reply (with ``thread_id``) until its thread's post is recorded;
        a redelivery of the same message is kept once."""

    async def oldest(self, limit: int = 100) -> list[tuple[MessagePosted, datetime]]:
        """The replies kept, across communities, each with when it came; oldest first."""

    async def drop(self, community_id: str, message_id: str) -> None:
        """Forget one reply kept: counted, or waited for long enough."""

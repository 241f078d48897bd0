"""Round-ups: a channel's unanswered questions in one post, or a member's topics in one
private message, at most so many per local day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain import Roundup


class Roundups(Protocol):
    async def add(
        self,
        community_id: str,
        route: str,
        day: str,
        number: int,
        question_ids: Sequence[int],
        now: datetime,
    ) -> int | None:
        """Record the ``number``-th round-up of a route (a channel, or "@member") on a local
        day; its id, or None if it exists already (another instance queued it)."""

    async def get(self, community_id: str, roundup_id: int) -> Roundup | None:
        """The round-up with that id, if any."""

    async def count(self, community_id: str, route: str, day: str) -> int:
        """How many round-ups a route had on a local day."""

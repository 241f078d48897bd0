"""Search: items made findable with their folded text, and found by a parsed query."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.search import Hit, Kind, Query


class Search(Protocol):
    async def index(
        self, community_id: str, kind: Kind, ref_id: int, title: str, body: str
    ) -> None:
        """Make an item findable (or refresh it); title and body come folded from the core."""

    async def unindex(self, community_id: str, kind: Kind, ref_id: int) -> None:
        """Make an item unfindable (a question reopened, a share erased)."""

    async def find(
        self,
        community_id: str,
        query: Query,
        kinds: Sequence[Kind],
        tag: str | None = None,
        limit: int = 10,
    ) -> list[Hit]:
        """The best matches of these kinds, best first (titles weigh more); with ``tag``,
        resources with that tag only. Any query is valid: none raises."""

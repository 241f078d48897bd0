"""Making items findable, and finding them (the backends are in storage.search)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, delete, insert, update

from bot.search import Hit, Kind, Query
from storage import search as search_backend
from storage.sql import Repository
from storage.tables import (
    search_documents,
)


class Search(Repository):
    async def index(
        self, community_id: str, kind: Kind, ref_id: int, title: str, body: str
    ) -> None:
        """Make an item findable (or refresh it); title and body come folded from the core."""
        key = and_(
            search_documents.c.community_id == community_id,
            search_documents.c.kind == kind.value,
            search_documents.c.ref_id == ref_id,
        )
        changed = await self.conn.execute(
            update(search_documents).where(key).values(title=title, body=body)
        )
        if changed.rowcount == 0:
            await self.conn.execute(
                insert(search_documents).values(
                    community_id=community_id,
                    kind=kind.value,
                    ref_id=ref_id,
                    title=title,
                    body=body,
                )
            )

    async def unindex(self, community_id: str, kind: Kind, ref_id: int) -> None:
        await self.conn.execute(
            delete(search_documents).where(
                search_documents.c.community_id == community_id,
                search_documents.c.kind == kind.value,
                search_documents.c.ref_id == ref_id,
            )
        )

    async def find(
        self,
        community_id: str,
        query: Query,
        kinds: Sequence[Kind],
        tag: str | None = None,
        limit: int = 10,
    ) -> list[Hit]:
        return await search_backend.search(self.conn, community_id, query, kinds, tag, limit)

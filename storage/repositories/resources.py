"""Shared resources, their tags and notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Text, and_, bindparam, cast, insert, literal_column, select, union_all

from bot.domain import (
    MarkKind,
    Resource,
)
from storage.repositories.marks import live_count
from storage.sql import Repository
from storage.tables import (
    resource_notes,
    resource_tags,
    resources,
)


class Resources(Repository):
    async def by_url(self, community_id: str, url: str) -> Resource | None:
        return await self._one_resource(resources.c.url == url, community_id)

    async def get(self, community_id: str, resource_id: int) -> Resource | None:
        return await self._one_resource(resources.c.id == resource_id, community_id)

    async def by_post(self, community_id: str, message_id: str) -> Resource | None:
        return await self._one_resource(resources.c.post_message_id == message_id, community_id)

    async def _one_resource(self, condition, community_id: str) -> Resource | None:
        found = await self._resources_where(
            and_(condition, resources.c.community_id == community_id)
        )
        return found[0] if found else None

    async def by_ids(self, community_id: str, ids: Sequence[int]) -> dict[int, Resource]:
        if not ids:
            return {}
        found = await self._resources(_BY_IDS, {"ids": list(ids)})
        return {r.id: r for r in found if r.community_id == community_id}  # see storage.sql

    async def between(self, community_id: str, start: datetime, end: datetime) -> list[Resource]:
        return await self._resources_where(
            and_(
                resources.c.community_id == community_id,
                resources.c.created_at >= start,
                resources.c.created_at < end,
            )
        )

    async def _resources_where(self, condition) -> list[Resource]:
        return await self._resources(_RESOURCES.where(condition))

    async def _resources(self, statement, params: dict | None = None) -> list[Resource]:
        """Resources with their upvotes, then their tags and notes: two statements (a search
        loads its hits while the member waits, and each statement is a round trip)."""
        rows = (await self.conn.execute(statement, params)).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        tags: dict[int, list[str]] = {i: [] for i in ids}
        notes: dict[int, list[str]] = {i: [] for i in ids}
        for is_note, rid, value in await self.conn.execute(_RESOURCE_DETAILS, {"ids": ids}):
            (notes if is_note else tags)[rid].append(value)
        return [
            resource_from_row(row, tuple(tags[row.id]), tuple(notes[row.id]), row.upvotes)
            for row in rows
        ]

    async def add(
        self,
        community_id: str,
        url: str,
        shared_by: str,
        source_message_id: str | None,
        now: datetime,
    ) -> Resource | None:
        """Insert a new resource; None when the community already has that URL."""
        inserted = await self._inserted(
            self._insert_ignoring(resources, "community_id", "url").values(
                community_id=community_id,
                url=url,
                title="",
                shared_by=shared_by,
                source_message_id=source_message_id,
                created_at=now,
            )
        )
        return await self.by_url(community_id, url) if inserted else None

    async def add_details(
        self, resource: Resource, tags: Sequence[str], note: str, author_id: str, now: datetime
    ) -> tuple[list[str], bool]:
        """Merge tags and a note into a resource; return the tags that were new and whether the note was."""
        new_tags = [tag for tag in tags if tag not in resource.tags]
        for tag in new_tags:
            await self.conn.execute(
                self._insert_ignoring(resource_tags, "resource_id", "tag").values(
                    community_id=resource.community_id, resource_id=resource.id, tag=tag
                )
            )
        new_note = bool(note) and note not in resource.notes
        if new_note:
            await self.conn.execute(
                insert(resource_notes).values(
                    community_id=resource.community_id,
                    resource_id=resource.id,
                    author_id=author_id,
                    text=note,
                    created_at=now,
                )
            )
        return new_tags, new_note

    async def all(self, community_id: str) -> list[Resource]:
        return await self._resources_where(resources.c.community_id == community_id)


def resource_from_row(
    row, tags: tuple[str, ...] = (), notes: tuple[str, ...] = (), upvotes: int = 0
) -> Resource:
    return Resource(
        id=row.id,
        community_id=row.community_id,
        url=row.url,
        title=row.title,
        shared_by=row.shared_by,
        created_at=row.created_at,
        tags=tags,
        notes=notes,
        upvotes=upvotes,
        post_message_id=row.post_message_id,
    )


def _resource_details():
    """Tags and notes of resources ``ids``, in one statement: tags in alphabetical order,
    notes in the order they were written."""
    details = union_all(
        select(
            literal_column("0").label("note"),
            resource_tags.c.resource_id,
            cast(resource_tags.c.tag, Text).label("value"),
            literal_column("0").label("note_id"),
        ).where(resource_tags.c.resource_id.in_(bindparam("ids"))),
        select(
            literal_column("1"),
            resource_notes.c.resource_id,
            resource_notes.c.text,
            resource_notes.c.id,
        ).where(resource_notes.c.resource_id.in_(bindparam("ids")), resource_notes.c.text != ""),
    ).subquery()
    return select(details.c.note, details.c.resource_id, details.c.value).order_by(
        details.c.note, details.c.note_id, details.c.value
    )


# Built once: a search loads its resources' details while the member waits.
_RESOURCE_DETAILS = _resource_details()
_UPVOTES = live_count(MarkKind.UPVOTE, resources.c.community_id, resources.c.post_message_id).label(
    "upvotes"
)
_RESOURCES = select(resources, _UPVOTES).order_by(resources.c.id)
_BY_IDS = _RESOURCES.where(resources.c.id.in_(bindparam("ids", expanding=True)))

"""Shared resources: one per normalised link and community, with their tags and notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain import Resource


class Resources(Protocol):
    async def by_url(self, community_id: str, url: str) -> Resource | None:
        """The resource of that (normalised) link, if the community has it."""

    async def get(self, community_id: str, resource_id: int) -> Resource | None:
        """The resource with that number, with its tags, notes and upvotes."""

    async def by_post(self, community_id: str, message_id: str) -> Resource | None:
        """The resource whose announcement in the resources channel is ``message_id``."""

    async def by_ids(self, community_id: str, ids: Sequence[int]) -> dict[int, Resource]:
        """The resources with these numbers; unknown numbers are left out."""

    async def between(self, community_id: str, start: datetime, end: datetime) -> list[Resource]:
        """Resources shared in [start, end), oldest first."""

    async def add(
        self,
        community_id: str,
        url: str,
        shared_by: str,
        source_message_id: str | None,
        now: datetime,
    ) -> Resource | None:
        """Insert a new resource; None when the community already has that link."""

    async def add_details(
        self, resource: Resource, tags: Sequence[str], note: str, author_id: str, now: datetime
    ) -> tuple[list[str], bool]:
        """Merge tags and a note into a resource; return the tags that were new and whether
        the note was."""

    async def all(self, community_id: str) -> list[Resource]:
        """Every resource of the community, oldest first."""

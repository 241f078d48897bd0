"""Counted reactions: helpful, accepted, me too, upvotes. One per (message, member, kind)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain import MarkKind


class Marks(Protocol):
    async def add(
        self, community_id: str, message_id: str, member_id: str, kind: MarkKind, now: datetime
    ) -> bool:
        """Count one member's reaction; False if it counts already, or was revoked: a revoked
        mark counts again only after the reaction was removed."""

    async def remove(
        self, community_id: str, message_id: str, member_id: str, kind: MarkKind
    ) -> bool:
        """The reaction is gone; True if it counted until now."""

    async def set(
        self,
        community_id: str,
        message_id: str,
        member_id: str,
        kind: MarkKind,
        present: bool,
        now: datetime,
    ) -> bool:
        """Add or remove one member's mark (a reaction added or removed); True if that changed
        what counts."""

    async def clear(self, community_id: str, message_id: str, kind: MarkKind) -> None:
        """The reactions were removed from the platform (a moderator's clear): the marks go."""

    async def revoke(
        self, community_id: str, message_id: str, kind: MarkKind, now: datetime
    ) -> None:
        """Undo marks on purpose while their reactions stay on the platform (a question
        reopened, another answer accepted): they stop counting, and a reaction read back
        later (a restart's reconciliation) does not bring them back."""

    async def count(self, community_id: str, message_id: str, kind: MarkKind) -> int:
        """How many members' marks of that kind count on a message."""

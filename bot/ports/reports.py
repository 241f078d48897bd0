"""What a community's health and recognition are read from."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Reports(Protocol):
    async def credits(
        self, community_id: str, since: datetime | None = None
    ) -> dict[str, dict[str, int]]:
        """Per member: helpful marks received, accepted answers, practice shares, resources
        shared (since ``since``, or ever)."""

    async def active_members(self, community_id: str, since: datetime) -> int:
        """How many members acted since ``since``."""

"""Platform events: kept when received (before the platform is acknowledged), claimed when handled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol


class Events(Protocol):
    async def receive(
        self, events: Sequence[tuple[str, str, str, dict]], now: datetime
    ) -> set[tuple[str, str]]:
        """Keep events as platforms sent them: (community, key, platform, payload) each.
        Return the (community, key) that were new; the others were received already."""

    async def claim(self, community_id: str, event_key: str, now: datetime) -> bool:
        """True the first time an event is handled, received before or not; False for every
        redelivery. Claimed in the unit of work of the event's effect, it commits with it."""

    async def unhandled(self, received_before: datetime, limit: int = 100) -> list[tuple]:
        """(platform, community, key, payload) of events received before ``received_before``
        and never handled, oldest first: their instance died, or had too many waiting."""

    async def unhandled_count(self) -> int:
        """How many events were received and not yet handled."""

    async def forget(self, before: datetime) -> int:
        """Drop the events received before ``before``; return how many. No platform
        redelivers that late."""

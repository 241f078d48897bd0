"""Pacing: deliveries kept under a platform's rate limits, and its Retry-After honoured.

A thousand channels due at the same minute must not become a thousand calls in
the same second: each call takes the next free slot, both for the platform as a
whole and for its channel. Only deliveries are paced; a member's command never
waits for a slot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimits:
    """What an adapter declares (its ``rate_limits`` attribute) for the runtime to pace to."""

    per_second: float  # every call to the platform
    per_channel_per_second: float  # calls that write to one channel (or one member's DMs)


class Pacer:
    """Hands out call slots for one platform."""

    def __init__(
        self,
        limits: RateLimits,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self.monotonic = monotonic
        self.sleep = sleep
        self._next = 0.0
        self._next_in: dict[str, float] = {}

    async def wait(self, lane: str, writes_to_lane: bool = True) -> None:
        """Wait for the next slot free on the platform, and in ``lane`` (a channel) when the
        call writes a message there (an edit or a reaction does not count against it)."""
        now = self.monotonic()
        at = max(now, self._next, self._next_in.get(lane, 0.0) if writes_to_lane else 0.0)
        if writes_to_lane:
            self._next_in[lane] = at + 1 / self.limits.per_channel_per_second
        if len(self._next_in) > 10_000:  # forget lanes whose slot has long passed
            self._next_in = {c: t for c, t in self._next_in.items() if t > now}
        self._next = at + 1 / self.limits.per_second
        if at > now:
            await self.sleep(at - now)

    def pause(self, seconds: float) -> None:
        """The platform asked everyone to wait (HTTP 429 Retry-After): no call before then."""
        self._next = max(self._next, self.monotonic() + seconds)

"""Pacing: scheduled posts kept under a platform's rate limits, and its Retry-After honoured.

A thousand channels due at the same minute must not become a thousand calls in
the same second: each call takes the next free slot, both for the platform as a
whole and for its channel.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.ports import Chat, ChatUnavailable, FetchedMessage
from bot.replies import Message

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class RateLimits:
    per_second: float  # every call to the platform
    per_channel_per_second: float  # calls that write to one channel (or one member's DMs)


class PacedChat:
    def __init__(
        self,
        chat: Chat,
        limits: RateLimits,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.chat = chat
        self.limits = limits
        self.monotonic = monotonic
        self.sleep = sleep
        self._next = 0.0
        self._next_in: dict[str, float] = {}

    async def _wait_for_slot(self, channel: str | None) -> None:
        now = self.monotonic()
        at = max(now, self._next)
        if channel is not None:
            at = max(at, self._next_in.get(channel, 0.0))
            self._next_in[channel] = at + 1 / self.limits.per_channel_per_second
            if len(self._next_in) > 10_000:  # forget channels whose slot has long passed
                self._next_in = {c: t for c, t in self._next_in.items() if t > now}
        self._next = at + 1 / self.limits.per_second
        if at > now:
            await self.sleep(at - now)

    async def _paced(self, channel: str | None, call: Callable[[], Awaitable]):
        for attempt in range(1, MAX_ATTEMPTS + 1):
            await self._wait_for_slot(channel)
            try:
                return await call()
            except ChatUnavailable as error:
                if error.retry_after is None or attempt == MAX_ATTEMPTS:
                    raise
                # The platform asked everyone to wait: no call goes out before then.
                self._next = max(self._next, self.monotonic() + error.retry_after)

    async def post(
        self, community_id: str, channel_id: str, message: Message, thread_id: str | None = None
    ) -> str:
        return await self._paced(
            channel_id, lambda: self.chat.post(community_id, channel_id, message, thread_id)
        )

    async def edit(
        self, community_id: str, channel_id: str, message_id: str, message: Message
    ) -> None:
        await self._paced(
            channel_id, lambda: self.chat.edit(community_id, channel_id, message_id, message)
        )

    async def add_reaction(
        self, community_id: str, channel_id: str, message_id: str, emoji: str
    ) -> None:
        await self._paced(
            channel_id, lambda: self.chat.add_reaction(community_id, channel_id, message_id, emoji)
        )

    async def send_private(self, community_id: str, member_id: str, message: Message) -> None:
        await self._paced(
            f"@{member_id}", lambda: self.chat.send_private(community_id, member_id, message)
        )

    async def fetch_message(
        self, community_id: str, channel_id: str, message_id: str
    ) -> FetchedMessage | None:
        return await self._paced(
            None, lambda: self.chat.fetch_message(community_id, channel_id, message_id)
        )

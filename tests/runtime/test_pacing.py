"""Pacing: calls spaced to the platform's limits, per platform and per channel; Retry-After honoured."""

from __future__ import annotations

import asyncio

import pytest

from bot.ports import ChatUnavailable
from bot.replies import Message
from bot.runtime.pacing import PacedChat, RateLimits

HELLO = Message(lines=())


class VirtualTime:
    """A clock that moves only when someone sleeps: pacing is checked without waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


class Platform:
    def __init__(self, time: VirtualTime, busy_until: float = 0.0) -> None:
        self.time = time
        self.calls: list[tuple[float, str]] = []
        self.busy_until = busy_until

    async def post(self, community_id, channel_id, message, thread_id=None) -> str:
        if self.time.now < self.busy_until:
            raise ChatUnavailable("HTTP 429", retry_after=self.busy_until - self.time.now)
        self.calls.append((self.time.now, channel_id))
        return str(len(self.calls))


async def test_calls_are_spaced_per_platform_and_per_channel():
    time = VirtualTime()
    platform = Platform(time)
    chat = PacedChat(
        platform, RateLimits(per_second=10, per_channel_per_second=1), time.monotonic, time.sleep
    )
    for channel in ["a", "b", "a", "c", "a"]:
        await chat.post("x", channel, HELLO)
    times = [t for t, _ in platform.calls]
    assert all(
        later - earlier >= 0.1 - 1e-9 for earlier, later in zip(times, times[1:], strict=False)
    )
    in_a = [t for t, c in platform.calls if c == "a"]
    assert all(later - earlier >= 1 - 1e-9 for earlier, later in zip(in_a, in_a[1:], strict=False))


async def test_retry_after_is_honoured_then_the_call_goes_through_once():
    time = VirtualTime()
    platform = Platform(time, busy_until=3.0)
    chat = PacedChat(platform, RateLimits(50, 1), time.monotonic, time.sleep)
    assert await chat.post("x", "a", HELLO) == "1"
    assert platform.calls == [(3.0, "a")]


async def test_an_outage_without_retry_after_is_left_to_the_caller():
    class Down:
        async def post(self, *args, **kwargs):
            raise ChatUnavailable("HTTP 503")

    time = VirtualTime()
    with pytest.raises(ChatUnavailable):
        await PacedChat(Down(), RateLimits(50, 1), time.monotonic, time.sleep).post("x", "a", HELLO)

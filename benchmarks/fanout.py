"""Fan-out: 1,000 channels due at the same minute, posted through a rate-limited platform.

The fake platform takes 50 ms per call, accepts at most 50 posts per second
overall and 1 per second per channel, and answers 429 with Retry-After beyond.
The floor its limits set is 1,000 / 50 = 20 s. In the same run, this measures:

* entraide: ``run_due`` on a SQLite database holding 1,000 prompt schedules due
  now (claims, prompt choice, posts, bookkeeping), through the runtime's pacing;
* bare: the same 1,000 posts sent straight through the same pacing, no database.

It prints both times, the floor, the ratios, how many calls were answered 429,
and checks that every channel got exactly one post. Targets: within 1.3x the
floor, every post exactly once, at most 1% of calls answered 429.

    python benchmarks/fanout.py [--channels N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter, deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.core import Core
from bot.domain import CommunitySettings, ScheduleKind
from bot.ports import ChatUnavailable
from bot.prompts import load_library
from bot.replies import Message, plain
from bot.runtime.pacing import PacedChat, RateLimits
from bot.service import Entraide
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store

LATENCY = 0.05
PER_SECOND = 50
PER_CHANNEL_PER_SECOND = 1
# Pace a little under the limits: calls leave on time but arrive with jitter.
PACE = RateLimits(
    per_second=PER_SECOND * 0.98, per_channel_per_second=PER_CHANNEL_PER_SECOND * 0.98
)
DUE = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # a Monday


class FakePlatform:
    """A chat platform with Slack-like limits; it records every call."""

    def __init__(self) -> None:
        self.calls = 0
        self.rate_limited = 0
        self.posts: Counter[str] = Counter()
        self._accepted: deque[float] = deque()
        self._last_in: dict[str, float] = {}

    async def post(
        self, community_id: str, channel_id: str, message: Message, thread_id: str | None = None
    ) -> str:
        self.calls += 1
        now = time.monotonic()
        while self._accepted and self._accepted[0] <= now - 1:
            self._accepted.popleft()
        too_soon_in_channel = (
            now - self._last_in.get(channel_id, -10.0) < 1 / PER_CHANNEL_PER_SECOND
        )
        await asyncio.sleep(LATENCY)
        if len(self._accepted) >= PER_SECOND or too_soon_in_channel:
            self.rate_limited += 1
            wait = 1.0 if too_soon_in_channel else self._accepted[0] + 1 - now
            raise ChatUnavailable("HTTP 429", retry_after=max(wait, 0.01))
        self._accepted.append(now)
        self._last_in[channel_id] = now
        self.posts[channel_id] += 1
        return f"{channel_id}:{self.posts[channel_id]}"

    async def edit(self, *args) -> None: ...

    async def add_reaction(self, *args) -> None: ...

    async def send_private(self, *args) -> None: ...

    async def fetch_message(self, *args) -> None:
        return None


async def entraide_fanout(channels: list[str], folder: Path) -> tuple[float, FakePlatform]:
    engine = create_engine(f"sqlite:///{folder / 'fanout.db'}")
    await upgrade(engine)
    store = Store(engine)
    created = DUE - timedelta(days=8)
    async with store.transaction() as tx:
        await tx.community(CommunitySettings(community_id="bench"), created)
        for channel in channels:
            await tx.set_schedule("bench", ScheduleKind.PROMPT, channel, 0, "09:30", "UTC", created)
    platform = FakePlatform()
    clock = ManualClock(DUE + timedelta(seconds=1))
    core = Core(
        store=store,
        chat=PacedChat(platform, PACE),
        clock=clock,
        library=load_library(),
        defaults=CommunitySettings(community_id=""),
    )
    entraide = Entraide(core)
    started = time.perf_counter()
    # Posts that still failed after the pacing's own retries are retried by later ticks.
    while sum(platform.posts.values()) < len(channels) and time.perf_counter() - started < 300:
        await entraide.run_due(clock.now())
        clock.advance(timedelta(minutes=5))
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed, platform


async def bare_fanout(channels: list[str]) -> tuple[float, FakePlatform]:
    platform = FakePlatform()
    chat = PacedChat(platform, PACE)
    slots = asyncio.Semaphore(16)
    message = Message(lines=((plain("hello"),),))

    async def post(channel: str) -> None:
        async with slots:
            await chat.post("bench", channel, message)

    started = time.perf_counter()
    await asyncio.gather(*(post(channel) for channel in channels))
    return time.perf_counter() - started, platform


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


async def main(count: int) -> None:
    channels = [f"c{n:04d}" for n in range(count)]
    floor = count / PER_SECOND
    with tempfile.TemporaryDirectory(prefix="entraide-fanout-") as folder:
        bare_time, bare = await bare_fanout(channels)
        real_time, real = await entraide_fanout(channels, Path(folder))
    print(
        f"{count} channels due at the same minute; platform: {LATENCY * 1000:.0f} ms a call, "
        f"{PER_SECOND}/s overall, {PER_CHANNEL_PER_SECOND}/s per channel, 429 beyond"
    )
    print(f"{'path':10} {'seconds':>8} {'calls':>7} {'429s':>6} {'posts':>6}")
    for name, elapsed, platform in (("entraide", real_time, real), ("bare", bare_time, bare)):
        print(
            f"{name:10} {elapsed:8.2f} {platform.calls:7d} {platform.rate_limited:6d} {sum(platform.posts.values()):6d}"
        )
    print(
        f"floor set by the limits: {floor:.2f} s; entraide/floor {real_time / floor:.2f}x, entraide/bare {real_time / bare_time:.2f}x"
    )
    once = sorted(real.posts) == channels and set(real.posts.values()) == {1}
    share_429 = real.rate_limited / max(real.calls, 1)
    print("Targets:")
    print(
        f"  within 1.3x the floor: {verdict(real_time <= 1.3 * floor)} ({real_time / floor:.2f}x)"
    )
    print(f"  every post exactly once: {verdict(once)}")
    print(f"  at most 1% of calls answered 429: {verdict(share_429 <= 0.01)} ({share_429:.2%})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=1000)
    asyncio.run(main(parser.parse_args().channels))

"""Fan-out: 1,000 channels due at the same minute, posted through a rate-limited platform.

The fake platform takes 50 ms per call, accepts at most 50 posts per second
overall and 1 per second per channel, and answers 429 with Retry-After beyond.
The floor its limits set is 1,000 / 50 = 20 s. In the same run, interleaved
(entraide, bare, entraide, bare), this measures:

* entraide: ``run_due`` on a SQLite database holding 1,000 prompt schedules due
  now (occurrences recorded, prompts chosen, deliveries queued), then the
  deliverer sending them as ``entraide run`` does (claims, leases, pacing, records);
* bare: the same 1,000 posts sent straight through the same pacing, no database.

It prints both times per round, the floor, the ratios, how many calls were answered
429, and checks that every channel got exactly one post. Targets: within 1.3x the
floor, every post exactly once, at most 1% of calls answered 429.

    python benchmarks/fanout.py [--channels N] [--rounds N]
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
from bot.delivery.pacing import Pacer, RateLimits
from bot.domain import CommunitySettings, ScheduleKind
from bot.ports import ChatUnavailable
from bot.prompts import load_library
from bot.replies import Message, plain
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
        self,
        community_id: str,
        channel_id: str,
        message: Message,
        thread_id: str | None = None,
        *,
        key: str | None = None,
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

    async def send_private(self, *args, **kwargs) -> None: ...

    async def find_post(self, *args, **kwargs) -> None:
        return None

    async def fetch_message(self, *args) -> None:
        return None


async def entraide_fanout(channels: list[str], folder: Path) -> tuple[float, FakePlatform]:
    folder.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{folder / 'fanout.db'}")
    await upgrade(engine)
    store = Store(engine)
    created = DUE - timedelta(days=8)
    async with store.transaction() as tx:
        await tx.communities.settings(CommunitySettings(community_id="bench"), created)
        for channel in channels:
            await tx.practice.set_schedule(
                "bench", ScheduleKind.PROMPT, channel, 0, "09:30", "UTC", created
            )
    platform = FakePlatform()
    clock = ManualClock(DUE + timedelta(seconds=1))
    core = Core(
        store=store,
        chat=platform,
        clock=clock,
        library=load_library(),
        defaults=CommunitySettings(community_id=""),
    )
    pacer = Pacer(PACE)
    entraide = Entraide(core, pacer_for=lambda _community: pacer)
    started = time.perf_counter()
    await entraide.run_due(clock.now())
    delivering = asyncio.create_task(entraide.deliveries.run(poll_seconds=1))
    while sum(platform.posts.values()) < len(channels) and time.perf_counter() - started < 300:
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    await entraide.deliveries.drain(timeout=5)
    await delivering
    await engine.dispose()
    return elapsed, platform


async def bare_fanout(channels: list[str]) -> tuple[float, FakePlatform]:
    platform = FakePlatform()
    pacer = Pacer(PACE)
    slots = asyncio.Semaphore(16)
    message = Message(lines=((plain("hello"),),))

    async def post(channel: str) -> None:
        async with slots:
            for _ in range(5):
                await pacer.wait(channel)
                try:
                    await platform.post("bench", channel, message)
                    return
                except ChatUnavailable as error:
                    pacer.pause(error.retry_after or 1)

    started = time.perf_counter()
    await asyncio.gather(*(post(channel) for channel in channels))
    return time.perf_counter() - started, platform


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


async def main(count: int, rounds: int) -> None:
    channels = [f"c{n:04d}" for n in range(count)]
    floor = count / PER_SECOND
    print(
        f"{count} channels due at the same minute; platform: {LATENCY * 1000:.0f} ms a call, "
        f"{PER_SECOND}/s overall, {PER_CHANNEL_PER_SECOND}/s per channel, 429 beyond"
    )
    print(f"{'round':>5} {'path':10} {'seconds':>8} {'calls':>7} {'429s':>6} {'posts':>6}")
    results: dict[str, list[tuple[float, FakePlatform]]] = {"entraide": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="entraide-fanout-") as folder:
        for round_ in range(1, rounds + 1):
            for name in ("entraide", "bare"):  # interleaved: A B A B
                if name == "entraide":
                    result = await entraide_fanout(channels, Path(folder) / str(round_))
                else:
                    result = await bare_fanout(channels)
                results[name].append(result)
                elapsed, platform = result
                print(
                    f"{round_:5d} {name:10} {elapsed:8.2f} {platform.calls:7d} "
                    f"{platform.rate_limited:6d} {sum(platform.posts.values()):6d}"
                )
    real_times = [elapsed for elapsed, _ in results["entraide"]]
    bare_times = [elapsed for elapsed, _ in results["bare"]]
    worst = max(real_times)
    print(
        f"floor set by the limits: {floor:.2f} s; entraide {min(real_times):.2f}–{worst:.2f} s "
        f"({min(real_times) / floor:.2f}–{worst / floor:.2f}x the floor), "
        f"bare {min(bare_times):.2f}–{max(bare_times):.2f} s"
    )
    once = all(
        sorted(p.posts) == channels and set(p.posts.values()) == {1} for _, p in results["entraide"]
    )
    share_429 = max(p.rate_limited / max(p.calls, 1) for _, p in results["entraide"])
    print("Targets:")
    print(f"  within 1.3x the floor: {verdict(worst <= 1.3 * floor)} ({worst / floor:.2f}x)")
    print(f"  every post exactly once: {verdict(once)}")
    print(f"  at most 1% of calls answered 429: {verdict(share_429 <= 0.01)} ({share_429:.2%})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.channels, arguments.rounds))

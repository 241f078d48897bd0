"""Faults: N scheduled posts delivered by three instances while things go wrong.

N prompt schedules are due at once on one database (SQLite by default, PostgreSQL
with ``--database``). Three instances deliver them, each with its own engine and
deliverer, as three ``entraide run`` processes would, to one fake platform that:

* loses answers: a share of posts is made but answered by a reset connection;
* rate-limits: a share of calls is answered 429 with a Retry-After, and nothing made;
* keeps no nonce (the worst case, like Slack): only the key in the post's metadata
  tells a post that landed, found by ``find_post``.

Meanwhile one instance is killed mid-burst (its engine closed under it and its tasks
cancelled: its claims stay held until their lease ends) and another is paused past
its lease (every await of it held, its lease keeper's too), then resumes.

The same posts are first delivered without faults by one instance, as a baseline in the
same run. It prints expected and seen posts, duplicates (posts of one key made twice),
and the delay the faults added. Targets: every post seen, no duplicate.

    python benchmarks/faults.py [--posts N] [--database URL] [--lease SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.clock import SystemClock
from bot.core import Core
from bot.delivery.deliverer import Deliverer
from bot.domain import CommunitySettings, ScheduleKind
from bot.ports import ChatUnavailable
from bot.prompts import load_library
from bot.service import SUBJECTS, Entraide
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store

LATENCY = 0.02
LOST_ANSWERS = 0.05
RATE_LIMITED = 0.05
SEED = 20261203


class FaultyPlatform:
    """Records every post by its key; loses answers and rate-limits at random."""

    def __init__(self, faults: bool) -> None:
        self.faults = faults
        self.random = random.Random(SEED)
        self.made: Counter[str] = Counter()  # key → posts made with it
        self.ids: dict[str, str] = {}
        self.lost = self.limited = 0

    async def post(self, community_id, channel_id, message, thread_id=None, *, key=None) -> str:
        await asyncio.sleep(LATENCY)
        roll = self.random.random() if self.faults else 1.0
        if roll < RATE_LIMITED:
            self.limited += 1
            raise ChatUnavailable("HTTP 429", retry_after=0.2)
        self.made[key] += 1
        self.ids[key] = post_id = uuid.uuid4().hex
        if roll < RATE_LIMITED + LOST_ANSWERS:
            self.lost += 1
            raise ChatUnavailable("connection reset before the answer")
        return post_id

    async def find_post(self, community_id, channel_id, key, since, **_kwargs) -> str | None:
        await asyncio.sleep(LATENCY)
        return self.ids.get(key)

    async def edit(self, *args) -> None: ...

    async def add_reaction(self, *args) -> None: ...

    async def send_private(self, *args, **kwargs) -> None: ...

    async def fetch_message(self, *args) -> None:
        return None


class Pause:
    """Holds every await of one instance while it is closed: a frozen process."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.open.set()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self.open.wait()

    async def wait(self, _lane: str, writes_to_lane: bool = True) -> None:
        await self.open.wait()

    def pause(self, seconds: float) -> None:
        pass


def instance(url: str, chat: FaultyPlatform, lease: timedelta, pause: Pause | None = None):
    engine = create_engine(url)
    core = Core(
        store=Store(engine),
        chat=chat,
        clock=SystemClock(),
        library=load_library(),
        defaults=CommunitySettings(community_id=""),
        claim_lease=lease,
    )
    entraide = Entraide(core)
    if pause is not None:
        entraide.deliveries = Deliverer(
            core, SUBJECTS, pacer_for=lambda _community: pause, sleep=pause.sleep
        )
    return engine, entraide


async def prepare(url: str, posts: int) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    now = datetime.now(UTC)
    due = now - timedelta(minutes=1)
    async with Store(engine).transaction() as tx:
        await tx.communities.settings(
            CommunitySettings(community_id="bench"), now - timedelta(days=8)
        )
        for n in range(posts):
            await tx.practice.set_schedule(
                "bench",
                ScheduleKind.PROMPT,
                f"practice-{n:04d}",
                due.weekday(),
                due.strftime("%H:%M"),
                "UTC",
                now - timedelta(days=8),
            )
    await engine.dispose()


async def run(url: str, posts: int, lease: timedelta, faults: bool) -> tuple[float, FaultyPlatform]:
    await prepare(url, posts)
    chat = FaultyPlatform(faults)
    paused = Pause()
    instances = [instance(url, chat, lease)]
    if faults:
        instances += [instance(url, chat, lease, paused), instance(url, chat, lease)]
    started = time.perf_counter()
    await instances[0][1].run_due(datetime.now(UTC))
    tasks = [asyncio.create_task(e.deliveries.run(poll_seconds=0.5)) for _, e in instances]
    if faults:
        await until(lambda: len(chat.made) >= posts // 6)
        # Killed: its database goes from under it and its tasks die; its claims stay held.
        await instances[0][0].dispose()
        tasks[0].cancel()
        await until(lambda: len(chat.made) >= posts // 3)
        paused.open.clear()  # frozen…
        await asyncio.sleep(lease.total_seconds() * 1.5)
        paused.open.set()  # …past its lease, then back
    await until(lambda: len(chat.made) >= posts, timeout=300)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(lease.total_seconds() * 2)  # time for any late duplicate to show
    for (engine, entraide), task in zip(instances, tasks, strict=True):
        if not task.done():
            await entraide.deliveries.drain(timeout=5)
        await asyncio.gather(task, return_exceptions=True)
        await engine.dispose()
    return elapsed, chat


async def until(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the posts did not all arrive")
        await asyncio.sleep(0.02)


def fresh_database(base: str | None, folder: Path, name: str) -> tuple[str, object]:
    if base is None:
        return f"sqlite:///{folder / name}.db", None
    database = f"entraide_faults_{uuid.uuid4().hex[:8]}"
    return make_url(base).set(database=database).render_as_string(hide_password=False), database


async def create_or_drop(base: str, database: str, create: bool) -> None:
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        if create:
            await conn.execute(text(f'CREATE DATABASE "{database}"'))
        else:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    await admin.dispose()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


async def main(posts: int, base: str | None, lease: timedelta) -> None:
    results = {}
    with tempfile.TemporaryDirectory(prefix="entraide-faults-") as folder:
        for name, faults in (("baseline", False), ("faults", True)):
            url, database = fresh_database(base, Path(folder), name)
            if database:
                await create_or_drop(base, database, create=True)
            try:
                results[name] = await run(url, posts, lease, faults)
            finally:
                if database:
                    await create_or_drop(base, database, create=False)
    backend = "PostgreSQL" if base else "SQLite"
    (base_time, _), (fault_time, chat) = results["baseline"], results["faults"]
    duplicates = sum(count - 1 for count in chat.made.values() if count > 1)
    print(
        f"{posts} scheduled posts on {backend}, lease {lease.total_seconds():.0f} s; faults: "
        f"{LOST_ANSWERS:.0%} answers lost, {RATE_LIMITED:.0%} calls answered 429, one instance "
        "killed mid-burst, one paused past its lease"
    )
    print(f"expected posts:  {posts}")
    print(f"seen posts:      {len(chat.made)}")
    print(f"duplicates:      {duplicates}")
    print(f"answers lost:    {chat.lost}   calls answered 429: {chat.limited}")
    print(
        f"time: {base_time:.2f} s without faults (one instance), {fault_time:.2f} s with them: "
        f"{fault_time - base_time:+.2f} s added"
    )
    print("Targets:")
    print(f"  every post seen: {verdict(len(chat.made) == posts)}")
    print(f"  no duplicate: {verdict(duplicates == 0)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--database", help="a PostgreSQL URL to create a database in")
    parser.add_argument("--lease", type=float, default=3.0, help="seconds")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # the faults are meant: no log line for each
    asyncio.run(main(arguments.posts, arguments.database, timedelta(seconds=arguments.lease)))

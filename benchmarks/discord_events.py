"""Discord reaction events through the adapter and the core: one at a time against bare
inserts, interleaved, then a storm delivered back to back, on SQLite and PostgreSQL.

Each round builds a fresh database (schema from the migrations) with answered
questions on one Discord server, then delivers MESSAGE_REACTION_ADD events: every
member marks every answer helpful, and 10% of the events are delivered a second
time, as a gateway replay would. Each event goes through discord.py's own parser,
the adapter (its lanes and workers) and ``Entraide.handle``.

1. **One at a time**: each event is parsed, then handled to the end before the
   next (its latency runs from parsing to the end of its handling); in the same
   rounds, alternating with it, single-row insert transactions on the same kind of
   engine (the cheapest write a handler could make). Target: at least 0.5x the bare
   rate, every count right.
2. **The storm as it arrives**: 60,000 events parsed back to back, as fast as the
   gateway delivers them, and only then waited for, on SQLite and on PostgreSQL
   (``--postgres``, or ``ENTRAIDE_TEST_POSTGRES_URL``). It prints how long the
   handling took, the largest backlog (``entraide_event_backlog``), the memory
   taken, and checks every count. Target: every mark counted, no event failed.

Each target gets one line with PASS or FAIL at the end. It is a benchmark, not a
test: the exit code is 0 whatever the figures.

    python benchmarks/discord_events.py [--rounds 2] [--answers 1000] [--members 18]
                                        [--storm 60000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import re
import shutil
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import make_url

from adapters.discord.client import DiscordAdapter
from adapters.discord.settings import DiscordSettings as Discord
from bot.clock import SystemClock
from bot.core import Core
from bot.domain import CommunitySettings, QuestionStatus
from bot.prompts import load_library
from bot.service import Entraide
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store

SEED = 20261125
GUILD = 1180000000000000001
HELP = 1180000000000000010
COMMUNITY = f"discord:{GUILD}"
ASKER, AUTHOR = 1180000000000000201, 1180000000000000202
FIRST_MEMBER = 1180000000000000300
FIRST_ID = 1190000000000000000
DUPLICATES = 0.10
BARE_INSERTS = 5_000
TARGET_RATIO = 0.5


def guild_payload() -> dict[str, Any]:
    """GUILD_CREATE as discord.py needs it to know the server (members' roles, the channel)."""
    everyone = {"id": str(GUILD), "name": "@everyone", "permissions": "68672", "position": 0}
    channel = {"id": str(HELP), "type": 0, "guild_id": str(GUILD), "name": "help", "position": 0}
    return {
        "id": str(GUILD),
        "name": "Benchmark",
        "owner_id": str(ASKER - 1),
        "roles": [everyone | {"color": 0, "hoist": False, "managed": False, "mentionable": False}],
        "channels": [channel | {"permission_overwrites": []}],
        "emojis": [],
        "members": [],
        "member_count": 20,
        "unavailable": False,
        "features": [],
    }


def reaction(answer: int, thread: int, member: int) -> dict[str, Any]:
    """MESSAGE_REACTION_ADD for ✅ by ``member`` on an answer in its question's thread."""
    user = {"id": str(member), "username": f"m{member}", "global_name": None, "discriminator": "0"}
    return {
        "user_id": str(member),
        "type": 0,
        "message_id": str(answer),
        "message_author_id": str(AUTHOR),
        "member": {"user": user | {"avatar": None}, "roles": [], "joined_at": None, "deaf": False}
        | {"mute": False, "flags": 0},
        "emoji": {"id": None, "name": "✅"},
        "channel_id": str(thread),
        "burst": False,
        "guild_id": str(GUILD),
        "burst_colors": [],
    }


async def answered_questions(store: Store, core: Core, count: int) -> list[tuple[int, int]]:
    """``count`` questions with one answer each; returns (answer message, thread) ids."""
    now = core.clock.now()
    pairs = []
    async with store.transaction() as tx:
        await core.settings(tx, COMMUNITY)
        for n in range(count):
            card, answer = FIRST_ID + 2 * n, FIRST_ID + 2 * n + 1
            question = await tx.questions.add(
                COMMUNITY,
                str(HELP),
                str(ASKER),
                False,
                f"Question {n}",
                "",
                (),
                QuestionStatus.OPEN,
                now,
            )
            await tx.questions.update(replace(question, message_id=str(card)))
            await tx.questions.add_answer(
                COMMUNITY, question.id, str(AUTHOR), "An answer", str(answer), now
            )
            pairs.append((answer, card))
    return pairs


def storm(pairs: list[tuple[int, int]], members: int) -> list[dict[str, Any]]:
    """Every member on every answer, shuffled; replays make 10% of all events, a little later."""
    rng = random.Random(SEED)
    events = [reaction(a, t, FIRST_MEMBER + m) for a, t in pairs for m in range(members)]
    rng.shuffle(events)
    replays = round(len(events) * DUPLICATES / (1 - DUPLICATES))
    for original in rng.sample(range(len(events)), replays):
        later = min(len(events), original + rng.randint(1, 50))
        events.insert(later, events[original])
    return events


class Timed:
    """``Entraide`` with the time spent in ``handle`` added up: the core's share of each event."""

    def __init__(self, entraide: Entraide) -> None:
        self.entraide = entraide
        self.seconds = 0.0

    async def handle(self, command: Any) -> Any:
        begun = time.perf_counter()
        try:
            return await self.entraide.handle(command)
        finally:
            self.seconds += time.perf_counter() - begun


async def bare_inserts(store: Store, count: int) -> float:
    """Single-row insert transactions per second on the store's engine."""
    async with store.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, v TEXT)"))
    started = time.perf_counter()
    for n in range(count):
        async with store.engine.begin() as conn:
            await conn.execute(text("INSERT INTO bench_rows (v) VALUES (:v)"), {"v": f"row {n}"})
    return count / (time.perf_counter() - started)


class Failures(logging.Handler):
    """Counts the events whose handling failed (the adapter logs each one)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@dataclass
class Bench:
    """A fresh database with ``answers`` answered questions, and the adapter over it."""

    store: Store
    adapter: DiscordAdapter
    timed: Timed
    pairs: list[tuple[int, int]]
    failures: Failures

    @classmethod
    async def open(cls, url: str, answers: int) -> Bench:
        engine = create_engine(url)
        await upgrade(engine)
        store = Store(engine)
        core = Core(
            store=store,
            chat=None,  # type: ignore[arg-type]  # the adapter's, below; marks post nothing
            clock=SystemClock(),
            library=load_library(),
            defaults=CommunitySettings(community_id="", help_channel=str(HELP)),
        )
        # Never logged in: nothing here talks to Discord, events are parsed as the gateway would.
        settings = Discord(enabled=True, token=SecretStr("benchmark"), api_url="http://127.0.0.1:9")
        timed = Timed(Entraide(core))
        adapter = DiscordAdapter(timed, settings)  # type: ignore[arg-type]
        core.chat = adapter.chat
        adapter.client._connection.parsers["GUILD_CREATE"](guild_payload())
        failures = Failures()
        logging.getLogger("adapters.discord").addHandler(failures)
        pairs = await answered_questions(store, core, answers)
        return cls(store, adapter, timed, pairs, failures)

    async def counts(self) -> list[int]:
        async with self.store.transaction() as tx:
            return [
                answer.helpful_count
                for question_id in range(1, len(self.pairs) + 1)
                for answer in await tx.questions.answers(COMMUNITY, question_id)
            ]

    async def close(self) -> None:
        logging.getLogger("adapters.discord").removeHandler(self.failures)
        await self.adapter.stop()
        await self.store.engine.dispose()


@dataclass
class Sequential:
    rate: float
    latencies: list[float]
    core_share: float
    right: bool


async def one_at_a_time(url: str, answers: int, members: int) -> Sequential:
    bench = await Bench.open(url, answers)
    try:
        events = storm(bench.pairs, members)
        parse = bench.adapter.client._connection.parsers["MESSAGE_REACTION_ADD"]
        latencies = []
        started = time.perf_counter()
        for event in events:
            begun = time.perf_counter()
            parse(event)
            await bench.adapter.drain()
            latencies.append(time.perf_counter() - begun)
        elapsed = time.perf_counter() - started
        counts = await bench.counts()
    finally:
        await bench.close()
    right = len(counts) == answers and all(count == members for count in counts)
    right = right and bench.failures.count == 0
    return Sequential(len(events) / elapsed, latencies, bench.timed.seconds / elapsed, right)


async def bare(url: str, count: int) -> float:
    engine = create_engine(url)
    try:
        return await bare_inserts(Store(engine), count)
    finally:
        await engine.dispose()


@dataclass
class Storm:
    events: int
    parsed: float  # seconds to parse them all, back to back
    handled: float  # seconds until the last was handled
    backlog: int  # the most waiting at once
    memory_mb: float  # resident memory taken meanwhile
    marks: int
    expected: int
    failed: int

    @property
    def right(self) -> bool:
        return self.marks == self.expected and self.failed == 0


async def storm_as_it_arrives(url: str, events_wanted: int, members: int) -> Storm:
    answers = max(1, round(events_wanted * (1 - DUPLICATES) / members))
    bench = await Bench.open(url, answers)
    try:
        events = storm(bench.pairs, members)
        parse = bench.adapter.client._connection.parsers["MESSAGE_REACTION_ADD"]
        rss = resident_mb()
        started = time.perf_counter()
        for event in events:  # as the gateway delivers them: nothing waits in between
            parse(event)
        parsed = time.perf_counter() - started
        backlog, memory = bench.adapter.backlog, resident_mb() - rss
        await bench.adapter.drain()
        handled = time.perf_counter() - started
        counts = await bench.counts()
    finally:
        await bench.close()
    return Storm(
        len(events),
        parsed,
        handled,
        backlog,
        memory,
        sum(counts),
        answers * members,
        bench.failures.count,
    )


def resident_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


async def fresh_postgres(admin_url: str) -> str:
    name = f"entraide_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_postgres(admin_url: str, url: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    await admin.dispose()


def spread(values: list[float], fmt: str) -> str:
    low, high = min(values), max(values)
    return format(low, fmt) if low == high else f"{format(low, fmt)}–{format(high, fmt)}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


async def main_async(args: argparse.Namespace, folder: Path) -> list[str]:
    summary = []
    events = round(args.answers * args.members / (1 - DUPLICATES))
    print(
        f"1. one at a time: {events:,} reaction events a round ({args.answers:,} answers, "
        f"{args.members} members, 10% replayed) against {BARE_INSERTS:,} bare inserts, SQLite, "
        f"{args.rounds} rounds interleaved"
    )
    print(f"{'round':8}{'side':26}{'events/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'in handle':>11}")
    ratios, rounds_right = [], []
    for number in range(1, args.rounds + 1):
        rate = await bare(f"sqlite:///{folder / f'bare-{number}.db'}", BARE_INSERTS)
        print(f"{number:<8}{'bare single-row inserts':26}{rate:>10,.0f}")
        ours = await one_at_a_time(
            f"sqlite:///{folder / f'events-{number}.db'}", args.answers, args.members
        )
        cuts = statistics.quantiles(ours.latencies, n=100)
        print(
            f"{number:<8}{'adapter + core':26}{ours.rate:>10,.0f}{cuts[49] * 1e3:>9.2f}"
            f"{cuts[98] * 1e3:>9.2f}{ours.core_share:>11.0%}"
        )
        ratios.append(ours.rate / rate)
        rounds_right.append(ours.right)
    print(f"spread: ratio {spread(ratios, '.2f')}x the bare rate")
    ratio = statistics.median(ratios)
    summary.append(
        f"{verdict(ratio >= TARGET_RATIO)} one at a time: {ratio:.2f}x the bare insert rate "
        f"(median of {args.rounds}; target >= {TARGET_RATIO}x)"
    )
    summary.append(
        f"{verdict(all(rounds_right))} one at a time: every answer marked {args.members} times, "
        f"no event failed, in {sum(rounds_right)} of {args.rounds} rounds"
    )

    print(f"\n2. the storm as it arrives: {args.storm:,} events parsed back to back, then handled")
    print(
        f"{'backend':12}{'parsed s':>10}{'handled s':>11}{'events/s':>10}{'backlog max':>13}"
        f"{'memory MB':>11}{'marks':>16}{'failed':>8}"
    )
    backends = [("SQLite", f"sqlite:///{folder / 'storm.db'}")]
    if args.postgres:
        backends.append(("PostgreSQL", await fresh_postgres(args.postgres)))
    for name, url in backends:
        try:
            result = await storm_as_it_arrives(url, args.storm, args.members)
        finally:
            if name == "PostgreSQL":
                await drop_postgres(args.postgres, url)
        print(
            f"{name:12}{result.parsed:>10.1f}{result.handled:>11.1f}"
            f"{result.events / result.handled:>10,.0f}{result.backlog:>13,}"
            f"{result.memory_mb:>11.0f}{f'{result.marks:,}/{result.expected:,}':>16}"
            f"{result.failed:>8}"
        )
        summary.append(
            f"{verdict(result.right)} storm on {name}: {result.marks:,} of {result.expected:,} "
            f"helpful marks counted, {result.failed} events failed, from {result.events:,} "
            f"events back to back (target: every mark, none failed)"
        )
    if not args.postgres:
        summary.append(
            "SKIP storm on PostgreSQL: give --postgres URL (or ENTRAIDE_TEST_POSTGRES_URL)"
        )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each side (A B A B …)")
    parser.add_argument(
        "--answers", type=int, default=1_000, help="answers a round (one at a time)"
    )
    parser.add_argument("--members", type=int, default=18, help="members marking every answer")
    parser.add_argument("--storm", type=int, default=60_000, help="events in the storm")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("ENTRAIDE_TEST_POSTGRES_URL"),
        help="PostgreSQL server for the storm (a database is created, then dropped)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # failures are counted, not printed
    folder = Path(tempfile.mkdtemp(prefix="entraide-bench-"))
    try:
        summary = asyncio.run(main_async(args, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end")
    for line in summary:
        print(line)


if __name__ == "__main__":
    main()

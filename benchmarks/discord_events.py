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
import re
import shutil
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from discord_server import DUPLICATES, Bench, storm
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.engine import create_engine
from storage.store import Store

BARE_INSERTS = 5_000
TARGET_RATIO = 0.5


async def bare_inserts(store: Store, count: int) -> float:
    """Single-row insert transactions per second on the store's engine."""
    async with store.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, v TEXT)"))
    started = time.perf_counter()
    for n in range(count):
        async with store.engine.begin() as conn:
            await conn.execute(text("INSERT INTO bench_rows (v) VALUES (:v)"), {"v": f"row {n}"})
    return count / (time.perf_counter() - started)


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

"""Search latency: the whole ``/search`` command against the product's own search SQL run bare.

For each backend (SQLite FTS5, PostgreSQL tsvector) and size, builds a fresh
database (schema from the migrations) holding one community of N documents: N/2
resources (with tags, notes and upvotes) and N/2 resolved questions with their
accepted answers, interleaved in time, of generated French and English text
(``search_data.py``). Then it runs a few hundred varied queries on two sides:

* ``/search``: the whole command through ``Entraide.handle`` (settings, the search,
  the hits loaded with their answers, tags, notes and sharers, the reply built)
  and the reply rendered to Block Kit;
* ``bare SQL``: the statements that search ran for the same query, captured from
  the product and replayed on the driver's own connection (asyncpg, aiosqlite),
  without SQLAlchemy, the core or the loading of hits.

The sides alternate A B A B, each round a pass over every query, after a warm-up
pass of each. It prints p50/p95/p99 per side and round, the spread of the p95
over the rounds, the ratio of the sides, the latencies per query shape and the
slowest queries; then one line per target (``/search`` p95 under 20 ms in every
round) with PASS or FAIL. It is a benchmark, not a test: the exit code is 0
whatever the figures.

PostgreSQL runs against ``--postgres-url`` (default: ``ENTRAIDE_TEST_POSTGRES_URL``),
in a database of its own, created and dropped. SQLite runs in a temporary directory.

    python benchmarks/search.py [--backend sqlite|postgres|both] [--documents N]
        [--sqlite-large N] [--queries N] [--rounds N] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import search_data as data
import search_text
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

import storage.search
from adapters.slack.render import to_slack
from bot.clock import SystemClock
from bot.commands import Actor, SlashCommand
from bot.core import Core
from bot.domain import CommunitySettings
from bot.prompts import load_library
from bot.service import Entraide
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store

SEED = 20261125
TARGET_P95_MS = 20.0
SIDES = ("/search", "bare SQL")


@dataclass
class Case:
    backend: str  # "sqlite" or "postgres"
    documents: int
    loaded_s: float = 0.0
    skipped: int = 0  # queries that parse to nothing: no SQL to compare
    # side -> one list of (probe, ms) per round
    rounds: dict[str, list[list[tuple[search_text.Probe, float]]]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        name = "PostgreSQL" if self.backend == "postgres" else "SQLite"
        return f"{name}, {self.documents:,} documents"


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


# -- the two sides -----------------------------------------------------------


class Capture:
    """What the product's search sends to the driver, per search, to replay it bare.

    ``storage.search.search`` is wrapped once (the store looks it up at each call) so
    that only the statements sent while it runs are kept.
    """

    _current: contextvars.ContextVar[list | None] = contextvars.ContextVar("capture", default=None)
    searches: list[list[tuple[str, tuple]]] = []
    _installed = False

    @classmethod
    def install(cls, engine: AsyncEngine) -> None:
        def record(conn, cursor, statement, parameters, context, executemany) -> None:
            found = cls._current.get()
            if found is not None:
                found.append((statement, tuple(parameters or ())))

        event.listen(engine.sync_engine, "before_cursor_execute", record)
        if cls._installed:
            return
        product_search = storage.search.search

        async def search(*args, **kwargs):
            token = cls._current.set([])
            try:
                result = await product_search(*args, **kwargs)
                cls.searches.append(cls._current.get() or [])
                return result
            finally:
                cls._current.reset(token)

        storage.search.search = search
        cls._installed = True


def product(entraide: Entraide) -> Callable[[str], Awaitable[float]]:
    actor = Actor(data.COMMUNITY, "U00001", "Member U00001")

    async def run(query: str) -> float:
        start = time.perf_counter()
        reply = await entraide.handle(SlashCommand(actor, "general", "search", query))
        assert reply is not None
        to_slack(reply)
        return (time.perf_counter() - start) * 1000

    return run


def bare(backend: str, raw, statements: dict[str, list]) -> Callable[[str], Awaitable[float]]:
    """The captured statements of a query on the driver's connection (PostgreSQL: in a transaction)."""

    async def postgres(query: str) -> float:
        start = time.perf_counter()
        async with raw.transaction():
            for sql, params in statements[query]:
                await raw.fetch(sql, *params)
        return (time.perf_counter() - start) * 1000

    async def sqlite(query: str) -> float:
        # No BEGIN: for reads, the sqlite3 module under the product opens no transaction either.
        start = time.perf_counter()
        for sql, params in statements[query]:
            cursor = await raw.execute(sql, params)
            await cursor.fetchall()
            await cursor.close()
        return (time.perf_counter() - start) * 1000

    return postgres if backend == "postgres" else sqlite


async def measure(
    case: Case, engine: AsyncEngine, probes: list[search_text.Probe], rounds: int
) -> None:
    store = Store(engine)
    core = Core(
        store=store,
        chat=None,  # type: ignore[arg-type]  # /search posts nothing
        clock=SystemClock(),
        library=load_library(),
        defaults=CommunitySettings(community_id="", help_channel="help"),
    )
    Capture.install(engine)
    run_product = product(Entraide(core))
    # Warm-up (caches, pools, prepared statements) and capture; every input must go through.
    statements: dict[str, list] = {}
    for probe in probes:
        Capture.searches.clear()
        await run_product(probe.text)
        if Capture.searches and Capture.searches[0]:
            statements[probe.text] = Capture.searches[0]
    measured = [p for p in probes if p.text in statements]
    case.skipped = len(probes) - len(measured)
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        run_bare = bare(case.backend, raw, statements)
        for probe in measured:
            await run_bare(probe.text)
        sides = {"/search": run_product, "bare SQL": run_bare}
        case.rounds = {side: [] for side in SIDES}
        # A B A B: drift (caches, the other engineers' load) reaches both sides alike.
        for _ in range(rounds):
            for side in SIDES:
                case.rounds[side].append([(p, await sides[side](p.text)) for p in measured])


# -- one case: a database, loaded, measured, dropped ------------------------


async def run_case(
    case: Case, items: list[data.Item], vocab, query_count: int, rounds: int, admin_url: str | None
) -> None:
    chosen = items[: case.documents]
    workdir = None
    name = None
    if case.backend == "sqlite":
        workdir = Path(tempfile.mkdtemp(prefix="entraide-bench-"))
        url = f"sqlite:///{workdir / 'search.db'}"
    else:
        assert admin_url is not None
        name = f"entraide_bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        await upgrade(engine)
        start = time.perf_counter()
        if case.backend == "sqlite":
            await data.load_sqlite(engine, chosen)
        else:
            await data.load_postgres(engine, chosen)
        case.loaded_s = time.perf_counter() - start
        probes = search_text.queries(
            random.Random(SEED + 1), vocab, query_count, data.phrase_sources(chosen)
        )
        await measure(case, engine, probes, rounds)
    finally:
        await engine.dispose()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
        if name is not None:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()


# -- report ------------------------------------------------------------------


def report(case: Case) -> None:
    first = case.rounds[SIDES[0]][0]
    print(
        f"\n== {case.label} ({case.documents // 2:,} resources + {case.documents // 2:,} questions)"
    )
    print(
        f"Loaded in {case.loaded_s:.1f} s ({case.documents / case.loaded_s:,.0f} documents/s). "
        f"{len(first)} queries per round ({case.skipped} parse to nothing: no SQL, left out of both sides)."
    )
    print(f"{'round':<7}{'side':<10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for index in range(len(first and case.rounds[SIDES[0]])):
        for side in SIDES:
            p = percentiles([ms for _, ms in case.rounds[side][index]])
            print(f"{index + 1:<7}{side:<10}{p[0]:>9.2f}{p[1]:>9.2f}{p[2]:>9.2f}")
    for side in SIDES:
        p95s = [percentiles([ms for _, ms in r])[1] for r in case.rounds[side]]
        low, high = min(p95s), max(p95s)
        print(
            f"spread of {side} p95 over {len(p95s)} rounds: {low:.2f}-{high:.2f} ms "
            f"({(high - low) / low:.0%})"
        )
    ratios = [
        percentiles([ms for _, ms in a])[1] / percentiles([ms for _, ms in b])[1]
        for a, b in zip(case.rounds[SIDES[0]], case.rounds[SIDES[1]], strict=True)
    ]
    print("/search p95 over bare SQL p95, per round: " + ", ".join(f"{r:.2f}x" for r in ratios))
    breakdown(case)


def breakdown(case: Case) -> None:
    """Per query shape and the slowest queries, all rounds together: where to look."""
    pooled = {side: [t for r in case.rounds[side] for t in r] for side in SIDES}
    print(f"{'shape':<15}{'count':>6}{'/search p50':>13}{'max':>8}{'bare p50':>10}{'max':>8}")
    for shape in dict.fromkeys(p.shape for p, _ in pooled[SIDES[0]]):
        ours = [ms for p, ms in pooled[SIDES[0]] if p.shape == shape]
        theirs = [ms for p, ms in pooled[SIDES[1]] if p.shape == shape]
        print(
            f"{shape:<15}{len(ours) // len(case.rounds[SIDES[0]]):>6}"
            f"{statistics.median(ours):>13.2f}{max(ours):>8.2f}"
            f"{statistics.median(theirs):>10.2f}{max(theirs):>8.2f}"
        )
    worst: dict[str, float] = {}
    for p, ms in pooled[SIDES[0]]:
        worst[p.text] = max(worst.get(p.text, 0.0), ms)
    shapes = {p.text: p.shape for p, _ in pooled[SIDES[0]]}
    print("Slowest /search queries (worst of the rounds):")
    for query, ms in sorted(worst.items(), key=lambda kv: -kv[1])[:6]:
        print(f"  {ms:8.2f} ms  {query!r} ({shapes[query]})")


def verdict(case: Case) -> str:
    p95s = [percentiles([ms for _, ms in r])[1] for r in case.rounds[SIDES[0]]]
    ok = "PASS" if max(p95s) < TARGET_P95_MS else "FAIL"
    figures = ", ".join(f"{p:.1f}" for p in p95s)
    return (
        f"{case.label}: /search p95 < {TARGET_P95_MS:.0f} ms in every round: "
        f"{ok} (p95 per round {figures} ms)"
    )


# -- main --------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    cases: list[Case] = []
    if args.backend in ("sqlite", "both"):
        cases.append(Case("sqlite", args.documents))
        if args.sqlite_large and args.sqlite_large != args.documents:
            cases.append(Case("sqlite", args.sqlite_large))
    if args.backend in ("postgres", "both"):
        cases.append(Case("postgres", args.documents))
    rng = random.Random(SEED)
    vocab = search_text.vocabularies(rng)
    start = time.perf_counter()
    items = data.items(rng, vocab, max(c.documents for c in cases))
    print(f"Generated {len(items):,} items in {time.perf_counter() - start:.1f} s")
    done: list[Case] = []
    for case in cases:
        await run_case(case, items, vocab, args.queries, args.rounds, args.postgres_url)
        report(case)
        done.append(case)
    print("\nTargets:")
    for case in done:
        print("  " + verdict(case))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--documents", type=int, default=200_000, help="documents, half resources (both backends)"
    )
    parser.add_argument(
        "--sqlite-large",
        type=int,
        default=400_000,
        help="SQLite is also measured at this size (0: not)",
    )
    parser.add_argument("--queries", type=int, default=300, help="queries per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per side (at least 2)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("ENTRAIDE_TEST_POSTGRES_URL"),
        help="a server where this may create and drop a database",
    )
    args = parser.parse_args()
    if args.documents < 2 or args.queries < 2 or args.sqlite_large < 0:
        parser.error("--documents and --queries must be at least 2")
    if args.rounds < 2:
        parser.error(
            "--rounds must be at least 2: one round of each side says nothing of the noise"
        )
    if args.backend != "sqlite" and not args.postgres_url:
        parser.error("PostgreSQL needs --postgres-url or ENTRAIDE_TEST_POSTGRES_URL")
    args.documents -= args.documents % 2
    args.sqlite_large -= args.sqlite_large % 2
    asyncio.run(run(args))


if __name__ == "__main__":
    main()

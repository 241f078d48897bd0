"""The web pages' speed: the overview and the knowledge-base search on a big community,
against the bare SQL of the same aggregates in the same run.

Fills one community with N questions (five years of weeks; answered, resolved, closed or
waiting, with tags and 1-3 answers each), N resources (tags, notes, upvotes), weekly
prompts with replies, and the search index, on SQLite (a temporary file) and, when a URL
is given, PostgreSQL. Then, interleaved (A B A B, ``--rounds`` each):

* A, the page: what the server does for ``/c/<community>/overview?weeks=N`` (every
  aggregate through ``tx.reports``, the page model, the SVG plots, the HTML) and for
  ``/c/<community>/kb?q=…`` (the same search as ``/search``, the items, the HTML);
* B, bare: the very SQL statements A sent, captured once, replayed on a raw connection
  (``exec_driver_sql``): no page, no objects, no template.

It prints p50/p95 per side and round, the spread between rounds, and one PASS/FAIL line
per target: overview p95 under 150 ms, search p95 under 50 ms. A benchmark, not a test:
the exit code is 0 whatever the figures.

    python benchmarks/web.py [--items 100000] [--postgres URL] [--samples 40] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from web_data import COMMUNITY, NOW, fill

from bot.web import pages
from bot.web.access import Role
from bot.web.model import WebSettings
from bot.web.render import render
from bot.web.site import Viewer
from storage import sqlite_driver
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store

QUERIES = [
    "polls",
    "remote camera",
    "évaluation",
    "feedback rubric",
    "onboarding mentor",
    "breakout",
    "quiz video",
    "atelier pédagogie",
    '"virtual class"',
    "icebreaker -agenda",
]
OVERVIEW_TARGET_MS, SEARCH_TARGET_MS = 150.0, 50.0


VIEWER = Viewer(COMMUNITY, Role.ORGANISER, "en", "Europe/Paris", WebSettings())
MEMBER = Viewer(COMMUNITY, Role.MEMBER, "en", "Europe/Paris", WebSettings())


async def overview_page(store: Store, weeks: int) -> None:
    async with store.transaction(reading=True, long=True, snapshot=True) as tx:  # as the server
        context = await pages.overview(tx, VIEWER, weeks, "en", NOW)
    render("overview.html", "en", title="Overview", **_chrome(), **context)


async def search_page(store: Store, query: str) -> None:
    async with store.transaction(reading=True, long=True, snapshot=True) as tx:
        context = await pages.knowledge(tx, MEMBER, query, "en")
    render(
        "kb.html",
        "en",
        title="Knowledge base",
        kb_path="/c/bench/kb",
        kb_question=lambda n: f"/c/bench/kb/questions/{n}",
        **_chrome(),
        **context,
    )


def _chrome() -> dict:
    return {
        "nav": [],
        "switch": [],
        "home": "/",
        "community": COMMUNITY,
        "public": False,
        "robots": "noindex",
    }


async def captured(store: Store, run: Callable[[], Awaitable[None]]) -> list[tuple[str, object]]:
    """The SQL statements (with their parameters) that one run of a page sends."""
    sent: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            sent.append((statement, parameters))

    event.listen(store.engine.sync_engine, "before_cursor_execute", keep)
    try:
        await run()
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", keep)
    return sent


async def bare(store: Store, statements: list[tuple[str, object]]) -> None:
    # Where a page's statements run: on SQLite, in its thread (a page is a long unit of work).
    with sqlite_driver.in_its_thread():
        async with store.engine.connect() as conn:
            for statement, parameters in statements:
                (await conn.exec_driver_sql(statement, parameters)).all()


def _replay(store: Store, statements: list[tuple[str, object]]) -> Callable[[], Awaitable[None]]:
    return lambda: bare(store, statements)


async def timed(run: Callable[[], Awaitable[None]], samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        began = time.perf_counter()
        await run()
        times.append((time.perf_counter() - began) * 1000)
    return times


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


async def measure(name: str, store: Store, samples: int, rounds: int) -> list[str]:
    verdicts = []
    cases: list[tuple[str, float, list[Callable[[], Awaitable[None]]]]] = []
    for weeks in (12, 52):
        cases.append(
            (
                f"overview ({weeks} weeks)",
                OVERVIEW_TARGET_MS,
                [lambda w=weeks: overview_page(store, w)],
            )
        )
    cases.append(("search", SEARCH_TARGET_MS, [lambda q=q: search_page(store, q) for q in QUERIES]))
    for label, target, runs in cases:
        bares = [_replay(store, await captured(store, run)) for run in runs]
        for run, plain in zip(runs, bares, strict=True):  # warm caches and plans once
            await run()
            await plain()

        per_round: dict[str, list[list[float]]] = {"page": [], "bare": []}
        for _ in range(rounds):
            for side, group in (("page", runs), ("bare", bares)):
                found: list[float] = []
                for _ in range(max(1, samples // len(group))):
                    for run in group:
                        found += await timed(run, 1)
                per_round[side].append(found)
        print(f"\n{name} · {label}")
        for side in ("page", "bare"):
            rows = per_round[side]
            p95s = [p(r, 0.95) for r in rows]
            print(
                f"  {side:5} "
                + "  ".join(
                    f"round {i + 1}: p50 {p(r, 0.5):6.1f} ms p95 {p(r, 0.95):6.1f} ms"
                    for i, r in enumerate(rows)
                )
                + f"  (p95 spread {max(p95s) - min(p95s):.1f} ms)"
            )
        every_page = [t for r in per_round["page"] for t in r]
        every_bare = [t for r in per_round["bare"] for t in r]
        page95, bare95 = p(every_page, 0.95), p(every_bare, 0.95)
        print(
            f"  all   page p50 {p(every_page, 0.5):.1f} ms p95 {page95:.1f} ms · bare p50 "
            f"{p(every_bare, 0.5):.1f} ms p95 {bare95:.1f} ms · page/bare p95 {page95 / bare95:.2f}x"
        )
        verdicts.append(
            f"{'PASS' if page95 < target else 'FAIL'} {name} {label}: p95 {page95:.1f} ms "
            f"(target < {target:.0f} ms; bare SQL p95 {bare95:.1f} ms)"
        )
    return verdicts


async def bench(name: str, url: str, items: int, samples: int, rounds: int) -> list[str]:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        store = Store(engine)
        began = time.perf_counter()
        await fill(store, items)
        print(
            f"{name}: {items:,} questions and {items:,} resources in {time.perf_counter() - began:.0f} s"
        )
        return await measure(name, store, samples, rounds)
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=40, help="timed runs per side and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--postgres", help="a PostgreSQL server URL (a database is created and dropped)"
    )
    args = parser.parse_args()
    verdicts = []
    with tempfile.TemporaryDirectory() as folder:
        verdicts += await bench(
            "SQLite", f"sqlite:///{Path(folder) / 'web.db'}", args.items, args.samples, args.rounds
        )
    if args.postgres:
        name = f"entraide_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            verdicts += await bench("PostgreSQL", url, args.items, args.samples, args.rounds)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()
    print()
    for verdict in verdicts:
        print(verdict)


if __name__ == "__main__":
    asyncio.run(main())

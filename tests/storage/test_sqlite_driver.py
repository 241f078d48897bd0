"""The SQLite driver: statements on the event loop's thread unless they would wait for a lock
or read for long, one trip to SQLite's thread for a commit, none for a commit with nothing
to commit, and what SQLAlchemy reads of a cursor still right."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import Counter

import aiosqlite
import pytest
from sqlalchemy import text

from bot.domain import CommunitySettings
from bot.search import Kind, parse_query
from storage import sqlite_driver
from storage.engine import create_engine
from storage.store import Store
from tests.conftest import START


@pytest.fixture
async def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def trips(monkeypatch) -> Counter:
    """What each call into aiosqlite's thread ran, counted."""
    counted: Counter = Counter()
    run = aiosqlite.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        counted[getattr(fn, "__name__", "?")] += 1
        return await run(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return counted


async def test_the_engine_uses_it(engine):
    assert isinstance(engine.dialect.dbapi, sqlite_driver.LoopFirstDBAPI)


async def test_a_write_runs_on_the_loop_and_its_commit_is_one_trip(engine, trips):
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('a') RETURNING id"))
        assert inserted.scalar_one() == 1
    assert trips == Counter({"_waiting": 1})  # the commit, which waits for the disk


async def test_a_unit_of_work_that_only_reads_makes_no_trip(engine, trips):
    async with engine.begin() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    assert trips == Counter()


class Ticks:
    """Counts how often the event loop got to run something else."""

    def __init__(self) -> None:
        self.count = 0
        self._task = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.001)
            self.count += 1

    def stop(self) -> None:
        self._task.cancel()


# A read that takes a fraction of a second: far beyond READ_BUDGET.
LONG_READ = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000000) "
    "SELECT count(*) FROM n"
)


async def test_a_long_read_moves_to_sqlites_thread_and_the_loop_goes_on(engine, trips):
    ticks = Ticks()
    async with engine.connect() as conn:
        before = ticks.count
        assert (await conn.execute(text(LONG_READ))).scalar_one() == 2_000_000
        during = ticks.count - before
    ticks.stop()
    assert trips == Counter({"_waiting": 1})
    assert during >= 10  # on the loop's thread it would have held the loop throughout


async def test_a_long_read_inside_a_write_keeps_what_the_write_did(engine, trips):
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (v) VALUES ('kept')"))
        assert (await conn.execute(text(LONG_READ))).scalar_one() == 2_000_000
        await conn.execute(text("INSERT INTO t (v) VALUES ('kept too')"))
    assert trips == Counter({"_waiting": 2})  # the long read, then the commit
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
    assert rows == ["kept", "kept too"]


async def test_a_long_unit_of_work_runs_in_sqlites_thread(engine, trips):
    store = Store(engine)
    async with store.transaction(long=True) as tx:
        await tx.conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert (await tx.conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 1
    assert trips == Counter({"_waiting": 3})
    async with store.transaction() as tx:  # and the others are back on the loop
        await tx.conn.execute(text("INSERT INTO t (v) VALUES ('b')"))
    assert trips == Counter({"_waiting": 4})


def hold_the_write_lock(path, seconds: float, held: threading.Event) -> threading.Thread:
    """Another process's writer: it holds SQLite's write lock for ``seconds``, then commits."""

    def writer() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t (v) VALUES ('theirs')")
        held.set()
        threading.Event().wait(seconds)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=writer)
    thread.start()
    return thread


async def test_a_write_that_must_wait_for_a_lock_waits_in_sqlites_thread(engine, trips, tmp_path):
    held = threading.Event()
    writer = hold_the_write_lock(tmp_path / "driver.db", 0.3, held)
    await asyncio.to_thread(held.wait)
    ticks = Ticks()
    async with engine.begin() as conn:
        before = ticks.count
        await conn.execute(text("INSERT INTO t (v) VALUES ('ours')"))
        during = ticks.count - before
        await conn.execute(text("INSERT INTO t (v) VALUES ('ours again')"))  # holds the lock now
    ticks.stop()
    await asyncio.to_thread(writer.join)
    assert trips == Counter({"_waiting": 2})  # the insert that waited, then the commit
    assert during >= 10  # the loop went on while it waited
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
        raw = await conn.get_raw_connection()  # the one that waited: the pool has only it
        timeout = raw.driver_connection._connection.execute("PRAGMA busy_timeout").fetchone()
    assert rows == ["theirs", "ours", "ours again"]
    assert timeout == (0,)  # having waited once, it does not wait on the loop


async def test_on_the_loop_sqlite_never_waits_for_a_lock(engine):
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        sqlite = raw.driver_connection._connection
        assert sqlite.execute("PRAGMA busy_timeout").fetchone() == (0,)


async def test_rowcount_lastrowid_and_many_rows_read_as_with_sqlite3(engine):
    async with engine.begin() as conn:
        many = await conn.execute(
            text("INSERT INTO t (v) VALUES (:v) ON CONFLICT DO NOTHING"),
            [{"v": "a"}, {"v": "b"}, {"v": "a"}],
        )
        assert many.rowcount == 2
        one = await conn.execute(text("INSERT INTO t (v) VALUES ('c')"))
        assert one.lastrowid == 3
        rows = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
        assert rows == ["a", "b", "c"]


async def test_a_failed_statement_rolls_back_its_unit_of_work(engine):
    with pytest.raises(Exception, match="UNIQUE"):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (v) VALUES ('x')"))
            await conn.execute(text("INSERT INTO t (v) VALUES ('x')"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0


async def test_a_search_ranks_in_sqlites_thread(db, trips):
    """FTS5 ranks its matches inside one step of SQLite's machine, which the read budget
    cannot interrupt: the search goes to SQLite's thread, and the loop goes on meanwhile."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's thread: PostgreSQL's driver makes no trips")
    async with db.transaction() as tx:
        await tx.communities.settings(CommunitySettings(community_id="team"), START)
        await tx.search.index("team", Kind.QUESTION, 1, "evaluer les apprenants", "une grille")
    trips.clear()
    async with db.transaction(reading=True) as tx:
        hits = await tx.search.find("team", parse_query("grille"), list(Kind))
    assert [(hit.kind, hit.ref_id) for hit in hits] == [(Kind.QUESTION, 1)]
    assert trips == Counter({"_waiting": 1})

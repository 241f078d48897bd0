"""The SQLite driver: one trip to SQLite's thread per statement, none for a commit with nothing
to commit, and what SQLAlchemy reads of a cursor still right."""

from __future__ import annotations

from collections import Counter

import aiosqlite
import pytest
from sqlalchemy import text

from storage import sqlite_driver
from storage.engine import create_engine


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
    assert isinstance(engine.dialect.dbapi, sqlite_driver.OneTripDBAPI)


async def test_a_write_is_one_trip_and_its_commit_another(engine, trips):
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (v) VALUES ('a') RETURNING id"))
        assert inserted.scalar_one() == 1
    assert trips == Counter({"_run": 1, "commit": 1})


async def test_a_unit_of_work_that_only_reads_commits_nothing(engine, trips):
    async with engine.begin() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    assert trips == Counter({"_run": 1})


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

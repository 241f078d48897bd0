"""`entraide run` under the faults an operator meets: a deploy mid-burst, a frozen instance,
a database that stops answering or cannot be reached, two upgrades at once.

Real processes on a real database, posting to the recorder (which honours a post's key
as Discord honours a nonce, and writes a ``replay`` line when it does).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.delivery.deliverer import SLOTS
from storage.engine import create_engine
from tests.bot.runtime.processes import (
    Instance,
    delivery_statuses,
    eventually,
    posts,
    schedule_due,
)
from tests.bot.runtime.proxy import FreezableProxy
from tests.conftest import POSTGRES_URL

CLI = [sys.executable, "-m", "bot.runtime.cli"]


def made(path) -> list[dict]:
    return [p for p in posts(path) if p["kind"] == "post"]


def replays(path) -> list[dict]:
    return [p for p in posts(path) if p["kind"] == "replay"]


@pytest.mark.parametrize("fresh_url", ["postgres", "sqlite"], indirect=True)
async def test_a_deploy_mid_burst_completes_the_posts_under_way_and_loses_none(fresh_url, tmp_path):
    """SIGTERM while 300 prompts are being posted: the posts under way complete, the process
    exits 0 without a traceback, and the next instance posts the rest at once (no lease to
    wait for), each exactly once."""
    record = tmp_path / "posts.jsonl"
    channels = [f"practice-{n}" for n in range(300)]
    await schedule_due(fresh_url, channels, timedelta(minutes=1))
    first = Instance(fresh_url, record, delay=0.3, lease=300)  # 32 in flight: some 3 s
    await eventually(lambda: len(made(record)) >= 20)
    first.process.send_signal(signal.SIGTERM)
    before = len(made(record))
    assert first.stop() == 0
    # From SIGTERM it takes no new delivery, while its tick under way completes: only the
    # posts already under way (at most one per slot) are made after.
    assert len(made(record)) - before <= SLOTS
    assert "Traceback" not in first.logged and "never awaited" not in first.logged
    statuses = Counter(await delivery_statuses(fresh_url))
    assert statuses["sending"] == 0 and statuses["pending"] > 0  # nothing left held
    second = Instance(fresh_url, record, lease=300)
    try:
        await eventually(lambda: len(made(record)) >= len(channels), timeout=60)
        await asyncio.sleep(0.5)  # more ticks: nothing more may come
    finally:
        assert second.stop() == 0
    assert sorted(p["channel"] for p in made(record)) == sorted(channels)
    assert len({p["key"] for p in made(record)}) == len(channels)


@pytest.mark.parametrize("fresh_url", ["postgres", "sqlite"], indirect=True)
async def test_an_instance_frozen_past_its_lease_neither_posts_twice_nor_overwrites(
    fresh_url, tmp_path
):
    """kill -STOP an instance whose post is under way; another takes the delivery over after
    the lease and posts; kill -CONT the first: it makes no second post, and its outcome is
    not recorded over the other's."""
    record = tmp_path / "posts.jsonl"
    await schedule_due(fresh_url, ["practice"], timedelta(minutes=1))
    # Its call takes long enough to be under way when it is frozen, however many tries the
    # freeze takes on a busy machine (up to 50 of a quarter of a second).
    frozen = Instance(fresh_url, record, delay=6, lease=1)
    other = None
    try:
        await eventually(lambda: _statuses_are(fresh_url, ["sending"]))
        await freeze_outside_its_transactions(frozen, fresh_url)
        assert made(record) == []  # frozen before its call returned: what the test is about
        other = Instance(fresh_url, record, lease=1)
        [posted] = await eventually(lambda: made(record))
        os.kill(frozen.process.pid, signal.SIGCONT)
        # Frozen during its call, its late call is recognised by its key (a replay, not a
        # second post); frozen just before the call, it finds its claim ran out and stays put.
        await eventually(
            lambda: replays(record) or "claim ran out before the call" in frozen.logged,
            timeout=10,
        )
        await asyncio.sleep(0.5)
    finally:
        os.kill(frozen.process.pid, signal.SIGCONT)
        codes = [frozen.stop(), other.stop() if other else 0]
    assert made(record) == [posted] and codes == [0, 0]
    engine = create_engine(fresh_url)
    async with engine.connect() as conn:
        recorded = (await conn.execute(text("SELECT message_id FROM occurrences"))).scalar_one()
    await engine.dispose()
    assert recorded == posted["id"]


@pytest.mark.parametrize("fresh_url", ["postgres"], indirect=True)
async def test_an_instance_frozen_inside_a_transaction_gives_its_locks_back(fresh_url, tmp_path):
    """kill -STOP an instance while its transaction holds the row of the delivery it is
    posting (its lease renewed, not yet committed): PostgreSQL ends that transaction after
    ``database_timeout_seconds``, another instance takes the delivery over and posts it, and
    the first, resumed, neither posts twice nor records over the other."""
    record = tmp_path / "posts.jsonl"
    await schedule_due(fresh_url, ["practice"], timedelta(minutes=1))
    timeout = {"ENTRAIDE_DATABASE_TIMEOUT_SECONDS": "2"}
    frozen = Instance(fresh_url, record, delay=4, lease=1.5, env=timeout)
    other = None
    engine = create_engine(fresh_url)
    try:
        await eventually(lambda: _statuses_are(fresh_url, ["sending"]))
        async with engine.connect() as test:
            # The test holds the row: the instance's next renewal waits for it, inside its
            # transaction. Frozen then, it holds the row once the test lets go.
            await test.execute(text("SELECT id FROM deliveries FOR UPDATE"))
            await eventually(lambda: _waiting_for_a_lock(engine, "UPDATE deliveries"))
            os.kill(frozen.process.pid, signal.SIGSTOP)
            await test.commit()
        await eventually(lambda: _idle_in_transaction(engine), timeout=5)
        other = Instance(fresh_url, record, lease=1.5, env=timeout)
        [posted] = await eventually(lambda: made(record), timeout=30)
        os.kill(frozen.process.pid, signal.SIGCONT)
        await eventually(
            lambda: replays(record) or "claim ran out before the call" in frozen.logged,
            timeout=10,
        )
        # Resumed, it works on: its connection ended by the server is not used again.
        failed = await asyncio.to_thread(_failed_ticks, frozen)
        await asyncio.sleep(1.5)
        assert await asyncio.to_thread(_failed_ticks, frozen) == failed
    finally:
        os.kill(frozen.process.pid, signal.SIGCONT)
        codes = [frozen.stop(), other.stop() if other else 0]
    try:
        assert made(record) == [posted] and codes == [0, 0]
        async with engine.connect() as conn:
            recorded = (await conn.execute(text("SELECT message_id FROM occurrences"))).scalar()
        assert recorded == posted["id"]
    finally:
        await engine.dispose()


async def _sessions(engine, where: str, **values) -> int:
    """The sessions of the test's database that ``where`` (on pg_stat_activity) holds for."""
    async with engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                f"WHERE datname = current_database() AND {where}"
            ),
            values,
        )
        return found.scalar_one()


async def _waiting_for_a_lock(engine, statement: str) -> bool:
    where = "wait_event_type = 'Lock' AND query LIKE :statement"
    return await _sessions(engine, where, statement=f"{statement}%") > 0


async def _idle_in_transaction(engine) -> bool:
    return await _sessions(engine, "state = 'idle in transaction'") > 0


async def freeze_outside_its_transactions(instance: Instance, url: str) -> None:
    """kill -STOP, at a moment the process holds no lock in the database: a process frozen
    inside a transaction holds its locks until it resumes (SQLite) or until the server ends
    its transaction (PostgreSQL, after ``database_timeout_seconds``: the test above)."""
    for _ in range(50):
        os.kill(instance.process.pid, signal.SIGSTOP)
        if await _writable(url):
            return
        os.kill(instance.process.pid, signal.SIGCONT)
        await asyncio.sleep(0.05)
    raise AssertionError("the instance was always inside a transaction")


async def _writable(url: str) -> bool:
    engine = create_engine(url, connect_args={"timeout": 0.2} if url.startswith("sqlite") else {})
    try:
        async with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                await conn.execute(text("SELECT id FROM deliveries FOR UPDATE NOWAIT"))
            await conn.rollback()
        return True
    except Exception:
        return False
    finally:
        await engine.dispose()


async def _statuses_are(url: str, expected: list[str]) -> bool:
    return await delivery_statuses(url) == expected


@pytest.mark.parametrize("fresh_url", ["postgres"], indirect=True)
async def test_a_database_that_stops_answering_is_reported_quickly_and_briefly(fresh_url, tmp_path):
    """/healthz answers 503 within seconds, every failed tick is one line and is counted,
    and all is well again once the database answers."""
    target = make_url(fresh_url)
    proxy = FreezableProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    instance = Instance(
        url,
        tmp_path / "posts.jsonl",
        env={
            "ENTRAIDE_HEALTH__DATABASE_TIMEOUT_SECONDS": "1",
            "ENTRAIDE_DATABASE_TIMEOUT_SECONDS": "1",
        },
    )
    try:
        status, _ = await asyncio.to_thread(instance.get, "/healthz")
        assert status == 200
        proxy.freeze()
        started = time.monotonic()
        status, body = await asyncio.to_thread(instance.get, "/healthz")
        assert status == 503 and json.loads(body)["checks"]["database"] is False
        assert time.monotonic() - started < 3
        await eventually(
            lambda: _failed_ticks(instance) >= 2, timeout=20, blocking=True
        )  # two ticks at least
        proxy.thaw()
        await eventually(lambda: instance.get("/healthz")[0] == 200, timeout=20, blocking=True)
    finally:
        proxy.thaw()
        code = await asyncio.to_thread(instance.stop)
        await proxy.close()
    assert code == 0
    assert "scheduler tick failed:" in instance.logged and "Traceback" not in instance.logged


@pytest.mark.parametrize("fresh_url", ["postgres"], indirect=True)
async def test_sigterm_while_the_database_is_frozen_still_stops_the_process(fresh_url, tmp_path):
    """A process whose database stopped answering mid-burst exits on SIGTERM within its drain
    time and database time-out, without waiting for the database to come back."""
    target = make_url(fresh_url)
    proxy = FreezableProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    record = tmp_path / "posts.jsonl"
    await schedule_due(fresh_url, [f"practice-{n}" for n in range(30)], timedelta(minutes=1))
    instance = Instance(
        url,
        record,
        delay=0.2,
        env={
            "ENTRAIDE_DATABASE_TIMEOUT_SECONDS": "1",
            "ENTRAIDE_SCHEDULING__DRAIN_SECONDS": "2",
        },
    )
    try:
        await eventually(lambda: len(made(record)) >= 3)
        proxy.freeze()
        await asyncio.sleep(0.5)  # ticks, lease renewals and claims are now waiting on it
        started = time.monotonic()
        instance.process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(_exit_code, instance.process, 30)
        took = time.monotonic() - started
    finally:
        instance.kill()
        proxy.thaw()
        await proxy.close()
    assert code == 0, instance.logged[-3000:]
    assert took < 12, f"stopped after {took:.1f} s"
    assert "Traceback" not in instance.logged


def _exit_code(process: subprocess.Popen, timeout: float) -> int | None:
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        return None


def _failed_ticks(instance: Instance) -> float:
    for line in instance.get("/metrics")[1].splitlines():
        if line.startswith("entraide_scheduler_tick_failures_total "):
            return float(line.split()[1])
    return 0.0


def test_an_unreachable_database_at_start_is_one_paragraph_naming_it_without_its_password():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENTRAIDE_")}
    env |= {
        "ENTRAIDE_DATABASE_URL": "postgresql://entraide:s3cret-pw@127.0.0.1:1/community",
        "ENTRAIDE_RECORDER__PATH": "x.jsonl",
        "ENTRAIDE_DATABASE_TIMEOUT_SECONDS": "2",
    }
    result = subprocess.run([*CLI, "run"], env=env, capture_output=True, text=True, timeout=60)
    said = result.stdout + result.stderr
    assert result.returncode == 1
    assert "cannot reach the database postgresql://entraide:***@127.0.0.1:1/community" in said
    assert "s3cret-pw" not in said and "Traceback" not in said
    assert len(said.strip().splitlines()) == 1


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL tests need ENTRAIDE_TEST_POSTGRES_URL")
async def test_two_upgrades_at_once_one_waits_and_finds_nothing_to_do():
    name = f"entraide_upgrade_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENTRAIDE_")}
    env["ENTRAIDE_DATABASE_URL"] = url
    try:
        upgrades = [
            subprocess.Popen(
                [*CLI, "db", "upgrade"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(2)
        ]
        results = [(u.wait(timeout=120), u.stderr.read().decode()) for u in upgrades]
        for upgrade in upgrades:
            upgrade.stdout.close()
            upgrade.stderr.close()
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
    assert [code for code, _ in results] == [0, 0], results
    assert not any("Traceback" in logged for _, logged in results)

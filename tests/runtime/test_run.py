"""`entraide run` as real processes on a real database: every post exactly once, nothing lost.

Posts go to the recorder (a JSON-lines file shared by the processes), so that
the tests can count them. These tests wait on real processes: each wait polls
a condition with a deadline.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.domain import CommunitySettings, ScheduleKind
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store
from tests.conftest import POSTGRES_URL

COMMUNITY = "console"


@pytest.fixture
async def fresh_url(request, tmp_path):
    """A new, migrated database of the kind the test asks for ("sqlite" or "postgres")."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'run.db'}"
        yield await _migrated(url)
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need ENTRAIDE_TEST_POSTGRES_URL")
    name = f"entraide_run_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield await _migrated(
            make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def _migrated(url: str) -> str:
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()
    return url


async def schedule_due(url: str, channels: list[str], due_ago: timedelta) -> None:
    """Weekly prompt schedules whose latest occurrence was ``due_ago`` ago (created the week before)."""
    now = datetime.now(UTC)
    due = (now - due_ago).replace(second=0, microsecond=0)
    engine = create_engine(url)
    async with Store(engine).transaction() as tx:
        await tx.community(CommunitySettings(community_id=COMMUNITY), now - timedelta(days=8))
        for channel in channels:
            await tx.set_schedule(
                COMMUNITY,
                ScheduleKind.PROMPT,
                channel,
                due.weekday(),
                due.strftime("%H:%M"),
                "UTC",
                now - timedelta(days=8),
            )
    await engine.dispose()


async def occurrence_statuses(url: str) -> list[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        statuses = list(
            (await conn.execute(text("SELECT status FROM occurrences ORDER BY id"))).scalars()
        )
    await engine.dispose()
    return statuses


async def delivery_statuses(url: str) -> list[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        statuses = list(
            (await conn.execute(text("SELECT status FROM deliveries ORDER BY id"))).scalars()
        )
    await engine.dispose()
    return statuses


async def deliveries_are(url: str, expected: list[str]) -> bool:
    return await delivery_statuses(url) == expected


class Instance:
    """One `entraide run` process posting to the recorder at ``posts``."""

    def __init__(self, url: str, posts: Path, delay: float = 0, lease: float = 2) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ENTRAIDE_")}
        env |= {
            "ENTRAIDE_DATABASE_URL": url,
            "ENTRAIDE_RECORDER__PATH": str(posts),
            "ENTRAIDE_RECORDER__DELAY_SECONDS": str(delay),
            "ENTRAIDE_HEALTH__PORT": "0",
            "ENTRAIDE_SCHEDULING__TICK_SECONDS": "0.3",
            "ENTRAIDE_SCHEDULING__CLAIM_LEASE_SECONDS": str(lease),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.runtime.cli", "run"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.port = int(re.search(r":(\d+)/healthz", self.process.stdout.readline()).group(1))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}{path}", timeout=5
            ) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=20)
        self.process.stdout.close()
        self.process.stderr.close()
        return code

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        self.process.stdout.close()
        self.process.stderr.close()


def posts(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def eventually(condition, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("fresh_url", ["postgres"], indirect=True)
async def test_three_instances_racing_post_every_occurrence_once(fresh_url, tmp_path):
    record = tmp_path / "posts.jsonl"
    channels = [f"practice-{n}" for n in range(20)]
    await schedule_due(fresh_url, channels, timedelta(minutes=1))
    instances = [Instance(fresh_url, record) for _ in range(3)]
    try:
        await eventually(lambda: len(posts(record)) >= len(channels))
        await asyncio.sleep(1)  # several more ticks of every instance: nothing more may come
    finally:
        codes = [instance.stop() for instance in instances]
    assert sorted(p["channel"] for p in posts(record)) == sorted(channels)
    assert codes == [0, 0, 0]


@pytest.mark.parametrize("fresh_url", ["postgres", "sqlite"], indirect=True)
async def test_an_instance_killed_between_claim_and_post_is_taken_over_once(fresh_url, tmp_path):
    record = tmp_path / "posts.jsonl"
    await schedule_due(fresh_url, ["practice"], timedelta(minutes=1))
    slow = Instance(fresh_url, record, delay=30)  # claims, then hangs in the platform call
    await eventually(lambda: deliveries_are(fresh_url, ["sending"]))
    slow.kill()
    assert posts(record) == []
    rescuer = Instance(fresh_url, record, lease=2)
    try:
        await eventually(lambda: posts(record))
        await asyncio.sleep(1)
    finally:
        rescuer.stop()
    assert [p["channel"] for p in posts(record)] == ["practice"]
    assert await occurrence_statuses(fresh_url) == ["posted"]


@pytest.mark.parametrize("fresh_url", ["sqlite", "postgres"], indirect=True)
async def test_after_downtime_late_posts_within_the_grace_window_and_skips_beyond(
    fresh_url, tmp_path
):
    record = tmp_path / "posts.jsonl"
    await schedule_due(fresh_url, ["recent"], timedelta(hours=2))
    await schedule_due(fresh_url, ["stale"], timedelta(hours=8))
    instance = Instance(fresh_url, record)
    try:
        await eventually(lambda: posts(record))
        await asyncio.sleep(0.5)
    finally:
        assert instance.stop() == 0
    assert [p["channel"] for p in posts(record)] == ["recent"]
    assert sorted(await occurrence_statuses(fresh_url)) == ["posted", "skipped"]


@pytest.mark.parametrize("fresh_url", ["sqlite"], indirect=True)
async def test_health_and_metrics_answer_and_count(fresh_url, tmp_path):
    record = tmp_path / "posts.jsonl"
    await schedule_due(fresh_url, ["practice"], timedelta(minutes=1))
    instance = Instance(fresh_url, record)
    try:
        status, body = instance.get("/healthz")
        assert status == 200 and json.loads(body)["checks"] == {"database": True, "console": True}
        await eventually(lambda: posts(record))
        await eventually(
            lambda: "entraide_scheduled_posts_total 1.0" in instance.get("/metrics")[1]
        )
        assert 'entraide_posts_total{platform="console"} 1.0' in instance.get("/metrics")[1]
    finally:
        assert instance.stop() == 0


async def test_run_refuses_an_out_of_date_schema(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENTRAIDE_")}
    env |= {
        "ENTRAIDE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
        "ENTRAIDE_RECORDER__PATH": "x.jsonl",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "entraide db upgrade" in result.stdout

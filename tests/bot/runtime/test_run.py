"""`entraide run` as real processes on a real database: every post exactly once, nothing lost.

Posts go to the recorder (a JSON-lines file shared by the processes), so that
the tests can count them. These tests wait on real processes: each wait polls
a condition with a deadline.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from tests.bot.runtime.processes import (
    Instance,
    deliveries_are,
    eventually,
    occurrence_statuses,
    posts,
    schedule_due,
)


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
    slow = Instance(fresh_url, record, delay=30, lease=1)  # claims, then hangs in the call
    await eventually(lambda: deliveries_are(fresh_url, ["sending"]))
    slow.kill()
    assert posts(record) == []
    rescuer = Instance(fresh_url, record, lease=1)
    try:
        await eventually(lambda: posts(record))
        await asyncio.sleep(0.6)  # two more ticks: nothing more may come
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

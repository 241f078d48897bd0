"""/metrics says how many deliveries wait; /healthz says whether the database answers in time."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer

from bot.clock import ManualClock, SystemClock
from bot.runtime.health import health_app
from bot.runtime.metrics import Metrics
from bot.runtime.run import Ticker, ticking
from tests.bot.test_delivery import HeldPacer, queue_question
from tests.conftest import START, make_community
from tests.fakes import FakeChat


async def test_a_growing_delivery_backlog_shows_in_metrics(db):
    held = HeldPacer()
    community = make_community(db, chat=FakeChat(), clock=ManualClock(START), pacer=held)
    for n in range(3):
        await queue_question(community, f"Question {n}?")  # one lane: the help channel
    deliverer = community.entraide.deliveries
    running = asyncio.create_task(deliverer.run(poll_seconds=60))
    await held.holding.wait()  # the first is claimed and waits for its slot

    async def reachable() -> bool:
        return True

    app = health_app(reachable, [], Metrics(), deliverer.backlog)
    async with TestClient(TestServer(app)) as client:
        metrics = await (await client.get("/metrics")).text()
        assert "entraide_delivery_backlog 2.0" in metrics
        held.released.set()
        while community.chat.posts_in("help").__len__() < 3:
            await asyncio.sleep(0.01)
        metrics = await (await client.get("/metrics")).text()
        assert "entraide_delivery_backlog 0.0" in metrics
    await deliverer.drain(timeout=5)
    await running


async def test_a_database_that_does_not_answer_in_time_makes_healthz_unhealthy():
    async def frozen() -> bool:
        return False  # what storage.engine.reachable answers once its time-out passes

    async def backlog() -> int:
        return 0

    app = health_app(frozen, [], Metrics(), backlog)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/healthz")
        assert response.status == 503
        assert (await response.json())["checks"] == {"database": False}


async def test_a_tick_slower_than_its_interval_shows_as_lag_not_a_warning_per_interval(
    db, monkeypatch, caplog
):
    """A tick that overruns: the ticks it covers are skipped, and the lag gauge says how
    late the next one started, without APScheduler's warning at every interval."""
    community = make_community(db, clock=SystemClock())
    entraide = community.entraide.entraide
    run_due = entraide.run_due

    async def slow_run_due(now):
        await asyncio.sleep(0.3)  # a burst of weekly posts to queue, say
        return await run_due(now)

    monkeypatch.setattr(entraide, "run_due", slow_run_due)
    metrics = Metrics()
    ticker = Ticker(entraide, metrics, SystemClock(), timedelta(seconds=0.05))
    scheduler = ticking(ticker)
    with caplog.at_level(logging.INFO):
        scheduler.start()
        await asyncio.sleep(0.8)
        scheduler.pause()
        await ticker.finish()
        scheduler.shutdown(wait=False)
    assert "maximum number of running instances" not in caplog.text
    assert metrics.lag._value.get() >= 0.2

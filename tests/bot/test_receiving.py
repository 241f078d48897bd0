"""Events are kept before they are acknowledged: many in one unit of work, each new once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.due import EVENT_MEMORY
from storage import sqlite_driver
from tests.conftest import START


async def test_events_arriving_together_are_kept_together_and_a_redelivery_is_not_new(community):
    entraide = community.entraide.entraide
    keep = [
        entraide.receive("slack", community.id, key, {"n": n})
        for n, key in enumerate(["E1", "E2", "E1", "E3"])
    ]
    assert await asyncio.gather(*keep) == [True, True, False, True]
    assert await entraide.receive("slack", community.id, "E2", {}) is False
    async with community.store.transaction() as tx:
        assert await tx.events.unhandled_count() == 3


async def test_an_event_the_database_cannot_keep_is_not_acknowledged(community, monkeypatch):
    """The caller sees the failure: the platform is not told "received", and sends it again."""
    from storage.repositories.events import Events

    async def database_away(*args, **kwargs):
        raise ConnectionError("the database is away")

    monkeypatch.setattr(Events, "receive", database_away)
    with pytest.raises(ConnectionError):
        await community.entraide.entraide.receive("slack", community.id, "E1", {})


async def test_events_kept_together_are_kept_all_or_none(community):
    """Their insert commits by itself on PostgreSQL (no BEGIN and COMMIT around it): one
    statement for the batch, so that an event the database refuses takes the others of its
    batch with it, unkept and unacknowledged, rather than some of them kept and some not."""
    if community.store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce a column's length, the refusal used here")
    entraide = community.entraide.entraide
    keep = [
        entraide.receive(platform, community.id, key, {})
        for platform, key in [("slack", "E1"), ("p" * 17, "E2"), ("slack", "E3")]
    ]
    results = await asyncio.gather(*keep, return_exceptions=True)
    assert all(isinstance(result, Exception) for result in results), results
    async with community.store.transaction() as tx:
        assert await tx.events.unhandled_count() == 0
    assert await entraide.receive("slack", community.id, "E1", {}) is True  # sent again


async def test_a_tick_forgets_events_after_a_week_and_on_sqlite_not_on_the_loop(
    community, monkeypatch
):
    """Redeliveries come within hours: a week on, an event's key is forgotten. After days
    without a tick there may be many to forget: SQLite deletes them in its own thread."""
    entraide = community.entraide.entraide
    assert await entraide.receive("slack", community.id, "E1", {}) is True
    await community.entraide.run_due(START + timedelta(days=1))
    assert await entraide.receive("slack", community.id, "E1", {}) is False
    on_the_loop: list[str] = []
    run_here = sqlite_driver._run_here
    monkeypatch.setattr(
        sqlite_driver, "_run_here", lambda *args: on_the_loop.append(args[2]) or run_here(*args)
    )
    await community.entraide.run_due(START + EVENT_MEMORY + timedelta(days=1))
    assert not [s for s in on_the_loop if s.startswith("DELETE FROM processed_events")]
    assert await entraide.receive("slack", community.id, "E1", {}) is True

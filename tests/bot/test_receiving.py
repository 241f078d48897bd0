"""Events are kept before they are acknowledged: many in one unit of work, each new once."""

from __future__ import annotations

import asyncio

import pytest


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

"""Lanes: events in order within a lane, lanes taking turns, a failure that stops nothing."""

from __future__ import annotations

import logging

import pytest

from adapters.discord.lanes import Lanes


async def note(done: list[str], name: str, fail: bool = False) -> None:
    done.append(name)
    if fail:
        raise RuntimeError(name)


async def test_events_of_a_lane_are_handled_in_order_and_lanes_take_turns():
    """One worker, a busy lane and a quiet one: the quiet one's event waits one event, not fifty."""
    lanes, done = Lanes(workers=1), []
    for n in range(50):
        lanes.add("busy", note(done, f"busy {n}"))
    lanes.add("quiet", note(done, "quiet"))
    await lanes.drain()
    assert done[:3] == ["busy 0", "quiet", "busy 1"]
    assert [name for name in done if name.startswith("busy")] == [f"busy {n}" for n in range(50)]
    assert lanes.backlog == 0


async def test_a_failing_event_is_logged_and_its_lane_goes_on(caplog):
    lanes, done = Lanes(workers=2), []
    with caplog.at_level(logging.ERROR):
        lanes.add("thread", note(done, "first", fail=True))
        lanes.add("thread", note(done, "second"))
        await lanes.drain()
    assert done == ["first", "second"]
    assert "handling a Discord event failed" in caplog.text


async def test_a_long_backlog_is_logged_as_it_grows(caplog):
    """At 1,000 events waiting, then 10,000: a warning each time, not one per event."""
    lanes, done = Lanes(workers=4), []
    with caplog.at_level(logging.WARNING):
        for n in range(10_000):
            lanes.add(n % 7, note(done, "x"))
        await lanes.drain()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "discord: 1000 events waiting to be handled",
        "discord: 10000 events waiting to be handled",
    ]
    assert len(done) == 10_000


def test_at_least_one_worker():
    with pytest.raises(ValueError):
        Lanes(workers=0)

"""SQLite units of work of one process take turns; keeping events a platform waits for goes first."""

from __future__ import annotations

import asyncio

import pytest

from storage.store import Turns


async def test_priority_units_of_work_go_before_the_others_waiting():
    turns, order = Turns(), []

    async def unit(name: str, priority: bool) -> None:
        async with turns.turn(priority):
            order.append(name)
            await asyncio.sleep(0)

    async with turns.turn(False):  # busy: everyone below waits
        tasks = [
            asyncio.create_task(unit("handler 1", False)),
            asyncio.create_task(unit("handler 2", False)),
            asyncio.create_task(unit("ack", True)),
        ]
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert order == ["ack", "handler 1", "handler 2"]


async def test_a_waiter_cancelled_never_keeps_the_turn():
    turns = Turns()
    async with turns.turn(False):
        waiting = asyncio.create_task(_hold(turns))
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    async with asyncio.timeout(1):  # the turn is free again
        async with turns.turn(False):
            pass


async def _hold(turns: Turns) -> None:
    async with turns.turn(False):
        await asyncio.sleep(10)

"""SQLite units of work of one process take turns; keeping events a platform waits for goes first."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event

from bot.commands import SlashCommand
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store, Turns
from tests.conftest import make_community


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


async def test_asking_reads_the_similar_questions_before_it_takes_the_writers_turn(tmp_path):
    """SQLite takes one writer at a time: /ask's search for similar resolved questions, and
    the questions and answers it shows, are read before its unit of work, which then only
    writes (the question, its card) while the others wait."""
    engine = create_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    await upgrade(engine)
    store = Store(engine)
    community = make_community(store)
    card = await community.ask("alice", "How do I keep remote learners engaged in long sessions?")
    answer = await community.reply("bob", card, "Short polls every 20 minutes")
    await community.react("alice", answer, "white_check_mark")

    read_in_turn: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and store._turns._busy:
            read_in_turn.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        reply = await community.entraide.entraide.handle(
            SlashCommand(community.actor("carol"), "general", "ask", "Remote learners engaged?")
        )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", keep)
        await engine.dispose()
    assert "Short polls every 20 minutes" in reply.plain_text()  # the similar one was found
    assert read_in_turn == []

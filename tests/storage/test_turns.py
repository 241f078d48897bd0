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


async def read_in_turn(store: Store, work) -> list[str]:
    """The SELECTs sent while some unit of work held the writer's turn, as ``work()`` ran."""
    sent: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and store._turns._busy:
            sent.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", keep)
    try:
        await work()
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", keep)
    return sent


@pytest.fixture
async def store(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    await upgrade(engine)
    yield Store(engine)
    await engine.dispose()


async def test_asking_reads_the_similar_questions_before_it_takes_the_writers_turn(store):
    """SQLite takes one writer at a time: /ask's search for similar resolved questions, and
    the questions and answers it shows, are read before its unit of work, which then only
    writes (the question, its card) while the others wait."""
    community = make_community(store)
    card = await community.ask("alice", "How do I keep remote learners engaged in long sessions?")
    answer = await community.reply("bob", card, "Short polls every 20 minutes")
    await community.react("alice", answer, "white_check_mark")
    replies = []

    async def ask() -> None:
        replies.append(
            await community.entraide.entraide.handle(
                SlashCommand(community.actor("carol"), "general", "ask", "Remote learners engaged?")
            )
        )

    assert await read_in_turn(store, ask) == []
    assert "Short polls every 20 minutes" in replies[0].plain_text()  # the similar one was found


async def test_the_deliverer_reads_its_due_lanes_without_the_writers_turn(store):
    community = make_community(store)
    await community.entraide.entraide.handle(
        SlashCommand(community.actor("alice"), "general", "ask", "Which LMS?")
    )
    reads = await read_in_turn(store, community.entraide.deliver_due)
    assert len(community.chat.posts_in("help")) == 1
    assert not [r for r in reads if "GROUP BY deliveries.community_id" in r], reads


async def test_searching_reads_before_it_takes_the_writers_turn(store):
    """A search of a large community takes milliseconds: read, with its hits, before the
    command's unit of work, so that the writes waiting for the turn do not wait for it."""
    community = make_community(store)
    card = await community.ask("alice", "How do I keep remote learners engaged in long sessions?")
    answer = await community.reply("bob", card, "Short polls every 20 minutes")
    await community.react("alice", answer, "white_check_mark")
    await community.command("carol", "share", "https://example.com/remote #remote Engaging")
    replies = []

    async def search() -> None:
        replies.append(
            await community.entraide.entraide.handle(
                SlashCommand(community.actor("dave"), "general", "search", "remote")
            )
        )

    assert await read_in_turn(store, search) == []
    shown = replies[0].plain_text()
    assert "Short polls every 20 minutes" in shown and "example.com/remote" in shown


async def test_asking_takes_one_connection_where_writers_do_not_take_turns(db):
    """Where writers do not wait for one another (PostgreSQL), /ask reads the similar
    questions in its own unit of work: one connection, not two. SQLite reads them first."""
    community = make_community(db)
    card = await community.ask("alice", "How do I keep remote learners engaged in long sessions?")
    answer = await community.reply("bob", card, "Short polls every 20 minutes")
    await community.react("alice", answer, "white_check_mark")
    taken = []

    def checkout(dbapi_connection, record, proxy) -> None:
        taken.append(record)

    event.listen(db.engine.sync_engine, "checkout", checkout)
    try:
        reply = await community.entraide.entraide.handle(
            SlashCommand(community.actor("carol"), "general", "ask", "Remote learners engaged?")
        )
    finally:
        event.remove(db.engine.sync_engine, "checkout", checkout)
    assert "Short polls every 20 minutes" in reply.plain_text()  # the similar one was found
    assert len(taken) == (2 if db.writers_take_turns else 1)

"""Units of work: nested transactions join the open one; after-commit actions run only on commit."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text

from bot.domain import CommunitySettings
from storage.engine import create_engine
from storage.store import Store
from tests.conftest import START


async def community_exists(store, community_id: str) -> bool:
    async with store.engine.connect() as conn:  # another connection: sees only what was committed
        from sqlalchemy import text

        found = await conn.execute(
            text("SELECT 1 FROM communities WHERE id = :id"), {"id": community_id}
        )
        return found.first() is not None


async def test_actions_run_after_the_commit_and_see_its_data(db):
    seen = []

    async def action() -> None:
        seen.append(await community_exists(db, "team"))

    async with db.transaction() as tx:
        await tx.communities.settings(CommunitySettings(community_id="team"), START)
        tx.after_commit(action)
        assert seen == []
    assert seen == [True]


async def test_nothing_runs_and_nothing_stays_when_the_work_fails(db):
    seen = []

    async def action() -> None:
        seen.append("told the platform")

    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.communities.settings(CommunitySettings(community_id="team"), START)
            tx.after_commit(action)
            raise RuntimeError("a step failed")
    assert seen == [] and not await community_exists(db, "team")


async def test_a_nested_transaction_joins_the_open_one(db):
    async with db.transaction() as outer:
        async with db.transaction() as inner:
            assert inner is outer
            await inner.communities.settings(CommunitySettings(community_id="team"), START)
        assert not await community_exists(db, "team")  # not committed by the inner block
    assert await community_exists(db, "team")


async def test_a_database_error_names_its_statement_never_its_values(db):
    """What a failed statement raised ends up in the logs: the member's text and the token kept
    with the event stay out of it."""
    kept = {"token": "interaction-token-secret", "question": "a member's private question"}
    with pytest.raises(Exception) as raised:  # noqa: PT011  (the driver's own error class)
        async with db.transaction() as tx:  # an unknown community: refused by its foreign key
            await tx.events.receive([("nobody", "evt-1", "discord", kept)], START)
    assert "INSERT INTO processed_events" in str(raised.value)
    assert "interaction-token-secret" not in str(raised.value)
    assert "private question" not in str(raised.value)


async def test_a_reading_unit_of_work_reads_the_last_commit_while_another_one_writes(db):
    """It takes no turn: it does not wait for the unit of work that writes (on SQLite too)."""
    import asyncio

    async with db.transaction() as tx:
        await tx.communities.settings(CommunitySettings(community_id="team"), START)
    written, finish = asyncio.Event(), asyncio.Event()

    async def writing() -> None:
        async with db.transaction() as tx:
            await tx.communities.settings(CommunitySettings(community_id="other"), START)
            written.set()
            await finish.wait()

    writer = asyncio.create_task(writing())
    await written.wait()

    async def read() -> list[str]:
        from sqlalchemy import text

        async with db.transaction(reading=True) as tx:
            rows = await tx.conn.execute(text("SELECT id FROM communities ORDER BY id"))
            return [id_ for (id_,) in rows]

    assert await asyncio.wait_for(read(), timeout=5) == ["team"]
    finish.set()
    await writer


async def test_on_postgresql_work_running_at_once_keeps_its_connections(postgres_url):
    """32 deliveries and the commands beside them: no server process is started per unit
    of work once the pool holds as many connections as the work running at once."""
    engine = create_engine(postgres_url)
    opened = []
    event.listen(engine.sync_engine, "connect", lambda *_: opened.append(1))
    store = Store(engine)

    async def unit_of_work() -> None:
        async with store.transaction() as tx:
            await tx.conn.execute(text("SELECT pg_sleep(0.05)"))

    try:
        await asyncio.gather(*(unit_of_work() for _ in range(36)))
        after_the_first_burst = len(opened)
        await asyncio.gather(*(unit_of_work() for _ in range(36)))
        assert len(opened) == after_the_first_burst
    finally:
        await engine.dispose()


@pytest.mark.parametrize("reading", [False, True])
async def test_on_postgresql_every_statement_is_planned_for_its_values(postgres_url, reading):
    """A plan made once for any value fetched every match of a common word in a search
    (7x the target). Reading units of work (/ask's similar questions) run without a
    transaction, so a transaction's settings would be lost after their first statement."""
    store = Store(create_engine(postgres_url, statement_timeout=5))
    settings = text(
        "SELECT current_setting('plan_cache_mode'), current_setting('jit'),"
        " current_setting('max_parallel_workers_per_gather')"
    )
    try:
        async with store.transaction(reading=reading) as tx:
            await tx.conn.execute(text("SELECT 1"))
            found = (await tx.conn.execute(settings)).one()
        assert tuple(found) == ("force_custom_plan", "off", "0")
    finally:
        await store.engine.dispose()


async def _communities(conn) -> int:
    return (await conn.execute(text("SELECT count(*) FROM communities"))).scalar_one()


async def _create_community_elsewhere(store, community_id: str) -> None:
    """In a unit of work of another store on the same database: committed at once."""
    async with Store(store.engine).transaction() as tx:
        await tx.communities.settings(CommunitySettings(community_id=community_id), START)


@pytest.mark.parametrize("long", [False, True])
async def test_a_snapshot_reads_the_database_as_it_was_at_its_first_statement(db, long):
    """A report's figures agree: what another connection commits between two of its
    statements is not seen by the second; the next unit of work sees it."""
    async with db.transaction() as tx:
        await tx.communities.settings(CommunitySettings(community_id="first"), START)
    async with db.transaction(reading=True, snapshot=True, long=long) as tx:
        before = await _communities(tx.conn)
        await _create_community_elsewhere(db, "second")
        assert await _communities(tx.conn) == before == 1
    async with db.transaction(reading=True) as tx:
        assert await _communities(tx.conn) == 2


async def test_a_reading_unit_without_a_snapshot_sees_each_commit(db):
    async with db.transaction(reading=True) as tx:
        before = await _communities(tx.conn)
        await _create_community_elsewhere(db, "second")
        assert await _communities(tx.conn) == before + 1


async def test_the_connection_a_snapshot_used_writes_again(db):
    """Read-only for the snapshot alone: the pool's one connection then takes a write."""
    engine = create_engine(
        db.engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0
    )
    store = Store(engine)
    try:
        async with store.transaction(reading=True, snapshot=True) as tx:
            assert await _communities(tx.conn) == 0
        async with store.transaction() as tx:
            await tx.communities.settings(CommunitySettings(community_id="after"), START)
        async with store.transaction(reading=True) as tx:
            assert await _communities(tx.conn) == 1
    finally:
        await engine.dispose()

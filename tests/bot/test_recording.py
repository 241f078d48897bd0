"""Deliveries' outcomes that come together share one unit of work, and one that fails takes
no other down with it."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from bot.delivery.recording import Recorder
from bot.domain import CommunitySettings, DeliveryAction, QuestionStatus
from storage.tables import deliveries
from tests.conftest import START

LEASE = timedelta(minutes=5)


class CountingStore:
    """The store, counting the units of work opened on it."""

    def __init__(self, store) -> None:
        self.store = store
        self.opened = 0

    @asynccontextmanager
    async def transaction(self, **options):
        self.opened += 1
        async with self.store.transaction(**options) as tx:
            yield tx


@contextmanager
def statements_sent(store):
    """The statements sent to the database meanwhile."""
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", count)


async def claimed_cards(db, count: int) -> list:
    """``count`` questions, each with its card claimed as it was queued."""
    cards = []
    async with db.transaction() as tx:
        await tx.communities.settings(CommunitySettings(community_id="team"), START)
        for n in range(count):
            question = await tx.questions.add(
                "team", f"C{n}", "alice", False, f"Q{n}?", "", (), QuestionStatus.OPEN, START
            )
            cards.append(
                await tx.deliveries.add(
                    "team",
                    f"question:{question.id}",
                    DeliveryAction.POST,
                    f"C{n}",
                    START,
                    claimed_for=LEASE,
                    channel_id=f"C{n}",
                    subject="question",
                    subject_id=question.id,
                )
            )
    return cards


async def nothing(tx) -> None:
    return None


async def test_posts_made_together_are_recorded_in_one_unit_of_work(db):
    cards = await claimed_cards(db, 3)
    store = CountingStore(db)
    recorder = Recorder(store)
    stale = replace(cards[2], attempt=0)  # taken over meanwhile
    told = []

    async def tell(tx) -> None:
        told.append(True)

    recorded = await asyncio.gather(
        recorder.sent(cards[0], "m1", START, tell),
        recorder.sent(cards[1], "m2", START, tell),
        recorder.sent(stale, "m3", START, tell),
    )
    assert recorded == [True, True, False] and len(told) == 2
    assert store.opened == 1
    async with db.transaction() as tx:
        assert [(await tx.questions.get("team", c.subject_id)).message_id for c in cards] == [
            "m1",
            "m2",
            None,
        ]
        rows = await tx.conn.execute(
            select(deliveries.c.status, deliveries.c.message_id).order_by(deliveries.c.id)
        )
        assert [tuple(row) for row in rows] == [("sent", "m1"), ("sent", "m2"), ("sending", None)]


async def test_posts_with_nothing_to_follow_are_recorded_by_one_statement(db):
    """On PostgreSQL, in one round trip: the statement alone, with no BEGIN and COMMIT."""
    cards = await claimed_cards(db, 3)
    store = CountingStore(db)
    recorder = Recorder(store)
    stale = replace(cards[2], attempt=0)  # taken over meanwhile
    with statements_sent(db) as sent:
        recorded = await asyncio.gather(
            recorder.sent(cards[0], "m1", START, None),
            recorder.sent(cards[1], None, START, None),  # its message was not read back
            recorder.sent(stale, "m3", START, None),
        )
    assert recorded == [True, True, False] and store.opened == 1
    if db.engine.dialect.name == "postgresql":
        assert len(sent) == 1
    async with db.transaction() as tx:
        assert [(await tx.questions.get("team", c.subject_id)).message_id for c in cards] == [
            "m1",
            None,
            None,
        ]
        rows = await tx.conn.execute(
            select(deliveries.c.status, deliveries.c.message_id).order_by(deliveries.c.id)
        )
        assert [tuple(row) for row in rows] == [("sent", "m1"), ("sent", None), ("sending", None)]


async def test_a_post_recorded_again_by_its_attempt_still_counts_as_recorded(db):
    """A unit of work whose commit's answer was lost is written again: the post it recorded
    is still the attempt's own."""
    [card] = await claimed_cards(db, 1)
    for _ in range(2):
        async with db.transaction() as tx:
            assert await tx.deliveries.finish_all([(card, "m1", START)]) == {card.id}
    async with db.transaction() as tx:
        assert (await tx.questions.get("team", card.subject_id)).message_id == "m1"


async def test_an_outcome_that_fails_takes_no_other_down_with_it(db):
    cards = await claimed_cards(db, 2)
    store = CountingStore(db)
    recorder = Recorder(store)

    async def broken(tx) -> None:
        await tx.deliveries.finish_all([(cards[1], "m2", START)])
        raise RuntimeError("a bug")

    results = await asyncio.gather(
        recorder.sent(cards[0], "m1", START, nothing),
        recorder.record(broken),
        return_exceptions=True,
    )
    assert results[0] is True and isinstance(results[1], RuntimeError)
    assert store.opened == 2  # together, then the other one alone (not the one that raised)
    async with db.transaction() as tx:
        assert (await tx.questions.get("team", cards[0].subject_id)).message_id == "m1"
        # The broken one's writes were undone with it.
        assert (await tx.questions.get("team", cards[1].subject_id)).message_id is None


@pytest.mark.parametrize("alone", [True, False])
async def test_a_failure_reaches_the_caller_whose_outcome_failed(db, alone):
    recorder = Recorder(db)

    async def broken(tx) -> None:
        raise ValueError("no")

    calls = [recorder.record(broken)] + ([] if alone else [recorder.record(nothing)])
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(results[0], ValueError)
    assert results[1:] == ([] if alone else [None])


async def test_when_the_database_fails_the_outcomes_waiting_fail_at_once(db):
    """The shared unit of work fails, and so does the first outcome tried alone, in the same
    way: the others are not each tried in turn (each would wait for its own time-out)."""

    class Away(CountingStore):
        @asynccontextmanager
        async def transaction(self, **options):
            self.opened += 1
            raise ConnectionError("the database does not answer")
            yield

    store = Away(db)
    recorder = Recorder(store)
    results = await asyncio.gather(
        *(recorder.record(nothing) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(result, ConnectionError) for result in results)
    assert store.opened == 2


async def test_outcomes_of_a_stream_of_posts_share_units_of_work(db):
    """Posts finish one after the other, not together: the first outcome after a quiet
    moment is written at once, those that follow it within ``every`` share the next unit
    of work instead of one each."""
    cards = await claimed_cards(db, 6)
    store = CountingStore(db)
    recorder = Recorder(store, every=2.0)
    assert await recorder.sent(cards[0], "m0", START, nothing)
    assert store.opened == 1  # at once, not after the pause
    stream = []
    for n, card in enumerate(cards[1:], start=1):
        stream.append(asyncio.create_task(recorder.sent(card, f"m{n}", START, nothing)))
        await asyncio.sleep(0.01)  # each a moment after the one before
    assert await asyncio.gather(*stream) == [True] * 5
    assert store.opened == 2
    async with db.transaction() as tx:
        assert [(await tx.questions.get("team", c.subject_id)).message_id for c in cards] == [
            f"m{n}" for n in range(6)
        ]

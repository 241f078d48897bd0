"""A post queued while the deliverer runs: claimed in the unit of work that queues it, handed
over once it commits, and still exactly once when the instance stops or dies before sending it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from bot.clock import ManualClock
from bot.commands import ButtonPressed, SlashCommand
from bot.delivery import deliverer as deliverer_module
from bot.privacy import CONFIRM
from bot.questions.closing import NOT_NEEDED
from storage.tables import deliveries
from tests.bot.test_delivery import HeldPacer, SteppedSleep, card_of
from tests.conftest import START, make_community
from tests.fakes import FakeChat


async def ask(community, title: str, channel: str = "general") -> None:
    """A member asks, through the core alone: nothing delivers after the command."""
    await community.entraide.entraide.handle(
        SlashCommand(community.actor("alice"), channel, "ask", title)
    )


async def claims(community) -> list[tuple[str, int]]:
    async with community.store.transaction() as tx:
        rows = await tx.conn.execute(
            select(deliveries.c.status, deliveries.c.attempt).order_by(deliveries.c.id)
        )
        return [(status, attempt) for status, attempt in rows]


async def until(condition) -> None:
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("never happened")


async def test_a_card_asked_while_the_deliverer_runs_is_claimed_with_the_question(db):
    held = HeldPacer()  # the post waits until the claim is read: it could be recorded before
    community = make_community(db, pacer=held)
    deliverer = community.entraide.deliveries
    running = asyncio.create_task(deliverer.run(poll_seconds=60))
    await asyncio.sleep(0)
    await ask(community, "Question?")
    # Committed with the question, already claimed: no claim of its own to wait for.
    assert await claims(community) == [("sending", 1)]
    await held.holding.wait()
    held.released.set()
    await until(lambda: community.chat.posts)
    await until(lambda: deliverer.idle)
    [card] = community.chat.posts_in("help")
    assert await card_of(community) == card.message_id
    assert await claims(community) == [("sent", 1)]
    await deliverer.drain(timeout=5)
    await running


async def test_without_the_deliverer_running_a_card_waits_unclaimed(db):
    community = make_community(db)
    await ask(community, "Question?")
    assert await claims(community) == [("pending", 0)]


async def test_handed_over_cards_waiting_at_shutdown_are_given_back_at_once(db):
    """One card waits for the platform's rate limit, the next one in its lane behind it, when
    SIGTERM comes: neither is sent, and another instance posts both at once."""
    chat, clock = FakeChat(), ManualClock(START)
    held = HeldPacer()
    stopping = make_community(db, chat=chat, clock=clock, pacer=held)
    deliverer = stopping.entraide.deliveries
    running = asyncio.create_task(deliverer.run(poll_seconds=60))
    await asyncio.sleep(0)
    await ask(stopping, "First?")
    await ask(stopping, "Second?")
    await held.holding.wait()
    assert await claims(stopping) == [("sending", 1), ("sending", 1)]
    draining = asyncio.create_task(deliverer.drain(timeout=5))
    await asyncio.sleep(0)
    held.released.set()
    await draining
    await running
    assert chat.posts == []
    assert [status for status, _ in await claims(stopping)] == ["pending", "pending"]
    other = make_community(db, chat=chat, clock=clock)
    await other.entraide.deliver_due()  # same instant: no lease to wait for
    assert [p.text.splitlines()[0] for p in chat.posts_in("help")] == [
        "Q1 · First?",
        "Q2 · Second?",
    ]


async def test_a_card_handed_over_to_an_instance_that_died_is_posted_once_by_another(db):
    """Claimed with its question, then the instance is gone before it sent it: once the lease
    has run out, another instance takes it over, looks for it, and posts it once."""
    chat, clock = FakeChat(), ManualClock(START)
    held = HeldPacer()
    dying = make_community(db, chat=chat, clock=clock, pacer=held)
    running = asyncio.create_task(dying.entraide.deliveries.run(poll_seconds=60))
    await asyncio.sleep(0)
    await ask(dying, "Question?")
    await held.holding.wait()
    running.cancel()  # killed: nothing given back
    other = make_community(db, chat=chat, clock=clock)
    await other.entraide.deliver_due()
    assert chat.posts == []  # still leased to the instance that died
    clock.advance(timedelta(minutes=6))
    await other.entraide.deliver_due()
    [card] = chat.posts_in("help")
    assert await card_of(other) == card.message_id
    assert await claims(other) == [("sent", 2)]
    held.released.set()  # the dead instance's last call never comes: fenced out
    lanes = [task for task in asyncio.all_tasks() if task.get_name().startswith("deliver ")]
    for lane in lanes:
        lane.cancel()
    await asyncio.gather(*lanes, return_exceptions=True)
    assert len(chat.posts) == 1 and await claims(other) == [("sent", 2)]


async def test_a_card_that_waited_long_in_its_lane_has_its_claim_renewed_before_it_is_sent(db):
    """Its lease began when it was queued: after more than a lease spent waiting behind the
    card before it (whose call kept its own claim alive), it is renewed, and sent once,
    under the same claim."""
    chat, clock = FakeChat(), ManualClock(START)
    held, keeper = HeldPacer(), SteppedSleep()
    community = make_community(db, chat=chat, clock=clock, pacer=held, lease_sleep=keeper.sleep)
    deliverer = community.entraide.deliveries
    running = asyncio.create_task(deliverer.run(poll_seconds=60))
    await asyncio.sleep(0)
    await ask(community, "First?")
    await ask(community, "Second?")
    await held.holding.wait()  # the first waits for its slot, the second behind it
    await keeper.asleep.get()
    clock.advance(timedelta(minutes=4))
    await keeper.step()  # the first's claim renewed: held until 9 min
    clock.advance(timedelta(minutes=2))  # 6 min: the second's first lease has ended
    held.released.set()
    await until(lambda: len(chat.posts) == 2)
    await until(lambda: deliverer.idle)
    assert await claims(community) == [("sent", 1), ("sent", 1)]
    await deliverer.drain(timeout=5)
    await running


class StepPacer:
    """Lets one platform call through per step of the test."""

    def __init__(self) -> None:
        self._steps = asyncio.Semaphore(0)

    async def wait(self, lane: str, writes_to_lane: bool = True) -> None:
        await self._steps.acquire()

    def pause(self, seconds: float) -> None:
        pass

    def step(self) -> None:
        self._steps.release()


async def test_a_lanes_cards_go_out_in_the_order_asked_beyond_what_waits_in_memory(db, monkeypatch):
    """With no room left in memory, a lane's next cards are queued unclaimed; those asked
    after them wait in the database too, rather than being handed over and going first."""
    monkeypatch.setattr(deliverer_module, "HANDED_MAX", 2)
    pacer = StepPacer()
    community = make_community(db, pacer=pacer)
    deliverer = community.entraide.deliveries
    running = asyncio.create_task(deliverer.run(poll_seconds=60))
    await asyncio.sleep(0)
    for n in range(1, 5):  # the first two handed over, the next two queued unclaimed
        await ask(community, f"Question {n}?")
    pacer.step()
    await until(lambda: len(community.chat.posts) == 1)
    await ask(community, "Question 5?")  # room again in memory, but older ones wait
    for posted in range(2, 6):
        pacer.step()
        await until(lambda posted=posted: len(community.chat.posts) == posted)
    assert [p.text.splitlines()[0] for p in community.chat.posts_in("help")] == [
        f"Q{n} · Question {n}?" for n in range(1, 6)
    ]
    await deliverer.drain(timeout=5)
    await running


async def test_a_handed_over_card_goes_out_as_rendered_when_asked_without_reading_it_back(db):
    """Rendered by the unit of work that stores the question: the card members see is the
    one a card rendered when sent shows, and nothing reads the question back to post it."""
    community = make_community(db)
    deliverer = community.entraide.deliveries
    await ask(community, "How do I keep a group engaged?")  # waits, rendered when sent
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split()))

    running = asyncio.create_task(deliverer.run(poll_seconds=60))
    await until(lambda: len(community.chat.posts) == 1)
    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        await ask(community, "How do I keep a group engaged?")  # handed over as rendered
        await until(lambda: len(community.chat.posts) == 2)
        await until(lambda: deliverer.idle)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
    first, second = community.chat.posts_in("help")
    assert second.text == first.text.replace("Q1", "Q2", 1)
    assert [b.value for b in second.message.buttons] == ["2"]
    same = replace(second.message, title=first.message.title, buttons=first.message.buttons)
    assert same == first.message
    assert await card_of(community, 2) == second.message_id
    read_back = [s for s in statements if s.startswith("SELECT") and "FROM questions" in s]
    assert read_back == []
    await deliverer.drain(timeout=5)
    await running


@pytest.mark.parametrize(
    ("action", "shows"),
    [(NOT_NEEDED, "Closed: no longer needed"), (CONFIRM, "Asked anonymously")],
    ids=["closed", "asker forgotten"],
)
async def test_what_changes_before_a_handed_over_card_is_posted_shows_on_it(db, action, shows):
    """Closed, or its asker erased, before its card went out: whether the card went out as
    rendered when asked or not, it ends showing the change."""
    pacer = StepPacer()
    community = make_community(db, pacer=pacer)
    deliverer = community.entraide.deliveries
    running = asyncio.create_task(deliverer.run(poll_seconds=60))
    await asyncio.sleep(0)
    await ask(community, "Which projector?")
    value = "alice" if action == CONFIRM else "1"
    await community.entraide.entraide.handle(
        ButtonPressed(community.actor("alice"), "help", action, value)
    )
    pacer.step()  # the card
    await until(lambda: len(community.chat.posts) == 1)
    [card] = community.chat.posts_in("help")
    pacer.step()  # and its edit, if it needs one

    def shown() -> str:
        edits = [m for i, m in community.chat.edits if i == card.message_id]
        return (edits[-1] if edits else card.message).plain_text()

    await until(lambda: shows in shown())
    await deliverer.drain(timeout=5)
    await running

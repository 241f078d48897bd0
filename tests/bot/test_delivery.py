"""The one delivery path: every post once, across lost answers, takeovers, pauses and shutdowns.

Two "instances" here are two cores on one database, one chat and one clock: what
one claims, the other sees, as two processes would.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.commands import ReactionAdded, SlashCommand
from bot.delivery import platform_key
from bot.delivery.pacing import Pacer, RateLimits
from bot.domain import DeliveryStatus
from bot.ports import ChatUnavailable
from bot.replies import Message
from tests.conftest import START, make_community
from tests.fakes import FakeChat

LEASE = timedelta(minutes=5)  # the core's default


async def queue_question(community, title: str = "Question?", member: str = "alice") -> None:
    """A member asks: the question is stored and its card queued, not yet delivered."""
    await community.entraide.entraide.handle(
        SlashCommand(community.actor(member), "general", "ask", title)
    )


async def card_of(community, number: int = 1) -> str | None:
    async with community.store.transaction() as tx:
        return (await tx.questions.get(community.id, number)).message_id


async def statuses(community) -> list[DeliveryStatus]:
    from sqlalchemy import select

    from storage.tables import deliveries

    async with community.store.transaction() as tx:
        rows = await tx.conn.execute(select(deliveries.c.status).order_by(deliveries.c.id))
        return [DeliveryStatus(status) for (status,) in rows]


class HeldPacer:
    """Holds every call until released: an instance frozen right after it claimed."""

    def __init__(self) -> None:
        self.holding = asyncio.Event()
        self.released = asyncio.Event()

    async def wait(self, lane: str, writes_to_lane: bool = True) -> None:
        self.holding.set()
        await self.released.wait()

    def pause(self, seconds: float) -> None:
        pass


class SteppedSleep:
    """The lease keeper's sleep, stepped by the test: one step, one renewal."""

    def __init__(self) -> None:
        self.asleep: asyncio.Queue[None] = asyncio.Queue()
        self.wake: asyncio.Queue[None] = asyncio.Queue()

    async def sleep(self, _seconds: float) -> None:
        await self.asleep.put(None)
        await self.wake.get()

    async def step(self) -> None:
        """Let the keeper renew once, and return when it is asleep again."""
        await self.wake.put(None)
        await self.asleep.get()


async def test_a_post_whose_answer_was_lost_is_found_and_not_posted_again(community):
    community.chat.lost_answers.add("help")
    await queue_question(community)
    await community.entraide.deliver_due()  # made, but the platform's answer never came
    assert len(community.chat.posts) == 1
    community.chat.lost_answers.clear()
    community.advance(minutes=1)
    await community.entraide.deliver_due()
    [card] = community.chat.posts_in("help")
    assert card.key is not None
    assert await card_of(community) == card.message_id
    assert set(await statuses(community)) == {DeliveryStatus.SENT}  # the card, the asker's notes


async def test_a_delivery_left_by_a_vanished_instance_is_taken_over_and_looked_for_first(db):
    chat, clock = FakeChat(), ManualClock(START)
    survivor = make_community(db, chat=chat, clock=clock)
    await queue_question(survivor)
    async with db.transaction() as tx:
        # Another instance claimed the card, posted it with its key, and died before recording it.
        [lane] = await tx.deliveries.due_lanes(START)
        claimed = await tx.deliveries.claim_next(*lane, START, LEASE)
    await chat.post(survivor.id, "help", Message(lines=()), key=platform_key(claimed))
    clock.advance(LEASE - timedelta(minutes=1))
    await survivor.entraide.deliver_due()
    assert await card_of(survivor) is None  # its lease still holds
    clock.advance(timedelta(minutes=2))
    await survivor.entraide.deliver_due()
    [card] = chat.posts_in("help")  # found by its key, not made again
    assert await card_of(survivor) == card.message_id


async def test_an_instance_paused_past_its_lease_does_not_post_after_another_took_over(db):
    chat, clock = FakeChat(), ManualClock(START)
    held = HeldPacer()
    paused = make_community(db, chat=chat, clock=clock, pacer=held)
    other = make_community(db, chat=chat, clock=clock)
    await queue_question(paused)
    first = asyncio.create_task(paused.entraide.deliver_due())
    await held.holding.wait()  # claimed, then frozen before its call
    clock.advance(LEASE + timedelta(minutes=1))
    await other.entraide.deliver_due()
    [card] = chat.posts_in("help")
    held.released.set()  # the paused instance wakes up, its claim long gone
    await first
    assert chat.posts_in("help") == [card]
    assert await card_of(other) == card.message_id  # and it did not overwrite the record


async def test_a_claim_taken_over_mid_call_cannot_record_its_outcome(db):
    chat, clock = FakeChat(), ManualClock(START)
    slow = make_community(db, chat=chat, clock=clock)
    other = make_community(db, chat=chat, clock=clock)
    await queue_question(slow)
    platform_answers = chat.answer_after = asyncio.Event()
    sending = asyncio.create_task(slow.entraide.deliver_due())
    while not chat.posts:
        await asyncio.sleep(0)
    # Frozen mid-call (its lease keeper frozen too) well past the lease: the other instance
    # takes over, finds the post by its key, and records it.
    clock.advance(LEASE + timedelta(minutes=1))
    await other.entraide.deliver_due()
    [card] = chat.posts_in("help")
    assert await card_of(other) == card.message_id
    platform_answers.set()
    await sending  # the first instance's answer finally arrives: its token no longer holds
    assert chat.posts_in("help") == [card] and await card_of(other) == card.message_id


async def test_a_slow_call_keeps_its_claim_alive_while_its_instance_lives(db):
    chat, clock = FakeChat(), ManualClock(START)
    keeper = SteppedSleep()
    slow = make_community(db, chat=chat, clock=clock, lease_sleep=keeper.sleep)
    other = make_community(db, chat=chat, clock=clock)
    await queue_question(slow)
    platform_answers = asyncio.Event()
    chat.answer_after = platform_answers
    sending = asyncio.create_task(slow.entraide.deliver_due())
    await keeper.asleep.get()
    for _ in range(500):  # the call is in flight (under load, it may start after the keeper)
        if chat.posts:
            break
        await asyncio.sleep(0.01)
    clock.advance(timedelta(minutes=4))
    await keeper.step()  # renewed at 4 min: held until 9 min
    clock.advance(timedelta(minutes=3))  # 7 min: the first lease has ended
    await other.entraide.deliver_due()
    assert len(chat.posts) == 1  # not taken over
    platform_answers.set()
    await sending
    [card] = chat.posts_in("help")
    assert await card_of(other) == card.message_id


async def test_deliveries_are_paced_per_platform_and_per_channel(db):
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(RateLimits(per_second=10, per_channel_per_second=1), lambda: now[0], sleep)
    community = make_community(db, pacer=pacer, resources_channel="resources")
    times: list[tuple[float, str]] = []
    post = community.chat.post

    async def timed_post(community_id, channel_id, *args, **kwargs):
        times.append((now[0], channel_id))
        return await post(community_id, channel_id, *args, **kwargs)

    community.chat.post = timed_post
    for n in range(3):
        await queue_question(community, f"Question {n}?")
        await community.entraide.entraide.handle(
            SlashCommand(community.actor("bob"), "general", "share", f"https://example.com/{n}")
        )
    await community.entraide.deliver_due()
    assert len(times) == 6
    instants = sorted(t for t, _ in times)
    assert all(
        later - earlier >= 0.1 - 1e-9
        for earlier, later in zip(instants, instants[1:], strict=False)
    )
    for channel in ("help", "resources"):
        in_channel = [t for t, c in times if c == channel]
        assert all(b - a >= 1 - 1e-9 for a, b in zip(in_channel, in_channel[1:], strict=False))


async def test_retry_after_is_honoured_and_the_post_made_once(db):
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    pacer = Pacer(RateLimits(50, 1), lambda: now[0], sleep)
    community = make_community(db, pacer=pacer)
    post = community.chat.post
    calls: list[float] = []

    async def busy_until_3(*args, **kwargs):
        calls.append(now[0])
        if now[0] < 3:
            raise ChatUnavailable("HTTP 429", retry_after=3 - now[0])
        return await post(*args, **kwargs)

    community.chat.post = busy_until_3
    await queue_question(community)
    await community.entraide.deliver_due()
    assert calls == [0.0, 3.0] and len(community.chat.posts) == 1


async def test_shutdown_lets_the_post_under_way_finish_and_gives_the_rest_back(db):
    chat, clock = FakeChat(), ManualClock(START)
    stopping = make_community(db, chat=chat, clock=clock)
    for n in range(3):
        await queue_question(stopping, f"Question {n}?")
    platform_answers = asyncio.Event()
    chat.answer_after = platform_answers
    deliverer = stopping.entraide.deliveries
    running = asyncio.create_task(deliverer.run(poll_seconds=60))
    while not chat.posts:
        await asyncio.sleep(0)
    drained = asyncio.create_task(deliverer.drain(timeout=5))
    await asyncio.sleep(0)
    platform_answers.set()
    await drained
    await running
    assert len(chat.posts) == 1 and await card_of(stopping, 1) == chat.posts[0].message_id
    # The other two were never claimed: another instance posts them at once, no lease to wait.
    other = make_community(db, chat=chat, clock=clock)
    chat.answer_after = None
    await other.entraide.deliver_due()
    assert len(chat.posts_in("help")) == 3


async def test_a_post_cut_short_by_the_drain_time_is_looked_for_before_it_is_made_again(db):
    chat, clock = FakeChat(), ManualClock(START)
    stopping = make_community(db, chat=chat, clock=clock)
    await queue_question(stopping)
    chat.answer_after = asyncio.Event()  # the platform never answers within the drain time
    deliverer = stopping.entraide.deliveries
    running = asyncio.create_task(deliverer.run(poll_seconds=60))
    while not chat.posts:
        await asyncio.sleep(0)
    await deliverer.drain(timeout=0.05)
    await running
    chat.answer_after = None
    other = make_community(db, chat=chat, clock=clock)
    await other.entraide.deliver_due()  # given back at once, and found by its key
    [card] = chat.posts_in("help")
    assert await card_of(other) == card.message_id


async def test_card_edits_follow_the_card_and_show_the_latest_state(community):
    card = await community.ask("alice", "Question?")
    community.chat.edits.clear()
    for member in ("bob", "carol", "dave"):  # three me-too marks in one go…
        await community.entraide.entraide.handle(
            ReactionAdded(community.actor(member), "help", card, "eyes")
        )
    await community.entraide.deliver_due()
    [(edited, shown)] = community.chat.edits  # …make one edit, showing all three
    assert edited == card and "3" in shown.plain_text()


@pytest.mark.parametrize("reopen_by", ["asker", "another accepted"])
async def test_an_undone_acceptance_stays_undone_when_the_reaction_is_read_back(
    community, reopen_by
):
    from bot.questions.card import REOPEN

    card = await community.ask("alice", "Question?")
    first = await community.reply("bob", card, "Try polls")
    second = await community.reply("carol", card, "Try quizzes")
    await community.react("alice", first, "white_check_mark")
    notes = [p for p in community.chat.posts if p.thread_id == card]
    if reopen_by == "asker":
        await community.press("alice", REOPEN, "1")
    else:
        await community.react("alice", second, "white_check_mark")
    async with community.store.transaction() as tx:
        before = await tx.questions.get(community.id, 1)
    # A restart reads the asker's reaction on the first answer back (no event key).
    await community.react("alice", first, "white_check_mark")
    async with community.store.transaction() as tx:
        after = await tx.questions.get(community.id, 1)
    assert after.status == before.status and after.accepted_answer_id == before.accepted_answer_id
    if reopen_by == "asker":
        assert len([p for p in community.chat.posts if p.thread_id == card]) == len(notes)
        # Taking the reaction back and giving it again is a new decision: it counts.
        await community.react("alice", first, "white_check_mark", added=False)
        await community.react("alice", first, "white_check_mark")
        async with community.store.transaction() as tx:
            assert (await tx.questions.get(community.id, 1)).accepted_answer_id is not None


@pytest.mark.parametrize("command", ["ask", "answer"])
async def test_a_crash_between_an_events_claim_and_its_effect_leaves_both_undone(
    community, monkeypatch, command
):
    """The claim and the effect are one unit of work: the platform's redelivery of an event
    whose handling crashed is handled in full, once."""
    from bot.commands import MessagePosted
    from storage.repositories.questions import Questions

    card = await community.ask("bob", "Where do I start?")
    if command == "ask":
        event = SlashCommand(
            community.actor("alice"), "general", "ask", "Question?", event_key="E1"
        )
        method = "add"
    else:
        event = MessagePosted(
            community.actor("carol"), "help", "m-reply", "Try this", thread_id=card, event_key="E1"
        )
        method = "add_answer"
    real = getattr(Questions, method)

    async def crash(*args, **kwargs):
        await real(*args, **kwargs)
        raise RuntimeError("the process died here")

    monkeypatch.setattr(Questions, method, crash)
    with pytest.raises(RuntimeError):
        await community.entraide.handle(event)
    monkeypatch.setattr(Questions, method, real)
    await community.entraide.handle(event)  # the platform delivers it again
    await community.entraide.handle(event)  # and once more: a duplicate now
    async with community.store.transaction() as tx:
        if command == "ask":
            assert [q.title for q in await tx.questions.all(community.id)] == [
                "Where do I start?",
                "Question?",
            ]
            assert len(community.chat.posts_in("help")) == 2
        else:
            assert [a.text for a in await tx.questions.answers(community.id, 1)] == ["Try this"]


def test_a_message_kept_for_delivery_comes_back_as_it_was():
    from bot.replies import Button, ButtonStyle, bold, from_json, link, mention, plain, to_json

    message = Message(
        lines=((plain("a "), mention("U1", "Ann"), link("https://x.org", "x")),),
        title=(bold("T"),),
        buttons=(Button("Go", "question:close", "7", ButtonStyle.DANGER),),
        private=True,
        refers_to="m1",
        opens_thread=True,
        status="open",
        tags=("onboarding",),
    )
    assert from_json(to_json(message)) == message


async def test_at_shutdown_a_claimed_delivery_waiting_for_its_slot_is_given_back_at_once(db):
    """Claimed, but waiting for the platform's rate limit when SIGTERM comes: it is not sent,
    and another instance takes it at once, without waiting for the lease to end."""
    chat, clock = FakeChat(), ManualClock(START)
    held = HeldPacer()
    stopping = make_community(db, chat=chat, clock=clock, pacer=held)
    await queue_question(stopping)
    deliverer = stopping.entraide.deliveries
    running = asyncio.create_task(deliverer.run(poll_seconds=60))
    await held.holding.wait()  # claimed, waiting for its slot
    draining = asyncio.create_task(deliverer.drain(timeout=5))
    await asyncio.sleep(0)
    held.released.set()
    await draining
    await running
    assert chat.posts == []
    other = make_community(db, chat=chat, clock=clock)
    await other.entraide.deliver_due()  # same instant: no lease to wait for
    [card] = chat.posts_in("help")
    assert await card_of(other) == card.message_id

"""Posts go out by the one delivery path, apart from members' commands, paced to Slack's limits."""

from __future__ import annotations

import asyncio

from adapters.slack.app import SlackAdapter
from bot.delivery.deliverer import Deliverer
from bot.delivery.pacing import Pacer
from bot.service import SUBJECTS
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import (
    ALICE,
    BOB,
    CAROL,
    COMMUNITY,
    GENERAL,
    HELP,
    open_workspace,
    text_of,
)

BURST = 60


class HeldTime:
    """The pacer's clock, moved only by the test: paced posts wait for their slot meanwhile."""

    def __init__(self) -> None:
        self.now = 0.0
        self._moved = asyncio.Event()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        until = self.now + seconds
        while self.now < until:
            self._moved.clear()
            await self._moved.wait()

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self._moved.set()


async def until(condition, tries: int = 500) -> None:
    for _ in range(tries):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition did not hold")


async def test_a_burst_of_questions_in_one_channel_never_delays_anyone_and_each_card_comes_once(
    db, fake
):
    """60 /ask in one help channel: Slack allows a post a second there. Every question is
    stored and every member answered while the cards wait for their slots, an unrelated
    /search is answered at once, then the cards go out, paced, each once."""
    workspace = await open_workspace(db, fake)
    time = HeldTime()
    pacer = Pacer(SlackAdapter.rate_limits, time.monotonic, time.sleep)
    entraide = workspace.adapter.entraide
    entraide.deliveries = Deliverer(entraide.core, SUBJECTS, pacer_for=lambda _community: pacer)
    delivering = asyncio.create_task(entraide.deliveries.run(poll_seconds=60))
    try:
        asks = [
            payloads.slash_command("/ask", f"Question {n}?", ALICE, GENERAL, fake.hook_url())
            for n in range(BURST)
        ]
        statuses = await asyncio.gather(*(workspace.requests.command(ask) for ask in asks))
        await workspace.adapter.drain()
        assert {status for status, _ in statuses} == {200}
        async with workspace.store.transaction() as tx:
            assert len(await tx.questions.all(COMMUNITY)) == BURST  # stored, not waiting in memory
        assert len(fake.hooks) == BURST and len(fake.posts(HELP)) <= 1  # told, cards held back

        search = payloads.slash_command("/search", "polls", CAROL, GENERAL, fake.hook_url())
        status, _ = await workspace.requests.command(search)
        await workspace.adapter.drain()
        assert status == 200 and len(fake.hooks) == BURST + 1  # answered with the cards held
        assert len(fake.posts(HELP)) <= 1

        for second in range(1, BURST + 1):
            time.advance(1)
            await until(lambda second=second: len(fake.posts(HELP)) >= second)
        await entraide.deliveries.drain(timeout=5)
        titles = [post["text"] for post in fake.posts(HELP)]
        assert sorted(titles) == sorted({*titles}) and len(titles) == BURST
        posted_at = [float(p["ts"]) for p in fake.channels[HELP].messages]
        assert posted_at == sorted(posted_at)
    finally:
        await entraide.deliveries.drain(timeout=5)
        await asyncio.gather(delivering, return_exceptions=True)
        await workspace.close()


async def test_a_request_acknowledged_by_an_instance_that_died_is_handled_by_another(
    db, fake, monkeypatch
):
    """Kept before the ack, never handled (its instance died, or had too many waiting): the next
    tick of any instance replays it, once."""
    from datetime import timedelta

    from adapters.slack import app as slack_app
    from bot.runtime.run import replay_unhandled

    dying = await open_workspace(db, fake)
    survivor = await open_workspace(db, fake)
    try:
        monkeypatch.setattr(slack_app, "WAITING_MAX", 0)  # full: the request only waits in the db
        ask = payloads.slash_command("/ask", "Anyone?", ALICE, GENERAL, fake.hook_url())
        status, _ = await dying.requests.command(ask)
        monkeypatch.undo()
        assert status == 200
        async with dying.store.transaction() as tx:
            assert await tx.questions.all(COMMUNITY) == []  # acknowledged, not yet handled
        now = survivor.clock.now()
        assert await replay_unhandled(survivor.adapter.entraide, [survivor.adapter], now) == 0
        later = now + timedelta(minutes=2)
        assert await replay_unhandled(survivor.adapter.entraide, [survivor.adapter], later) == 1
        assert await replay_unhandled(survivor.adapter.entraide, [survivor.adapter], later) == 0
        await survivor.settle()
        assert [q.title for q in await _questions(survivor)] == ["Anyone?"]
        assert len(fake.posts(HELP)) == 1 and "Q1" in fake.hooks[-1]["text"]
    finally:
        await dying.close()
        await survivor.close()


async def _questions(workspace):
    async with workspace.store.transaction() as tx:
        return await tx.questions.all(COMMUNITY)


async def test_a_card_whose_answer_slack_lost_is_posted_once_and_its_thread_works(workspace):
    """chat.postMessage applied, then the connection reset: the retry finds the card by the key
    in its metadata instead of posting a second one, and the card's thread is the one tracked:
    a reply there is an answer, and the asker's ✅ resolves the question."""
    from bot.domain import QuestionStatus

    workspace.fake.fail("chat.postMessage", applied=True, reset=True)
    await workspace.command(ALICE, "/ask", "Which LMS for a small team?")
    [card] = workspace.fake.channels[HELP].messages
    assert card["metadata"]["event_type"] == "entraide_delivery"
    reply = await workspace.say(CAROL, HELP, "Moodle works well", thread_ts=card["ts"])
    await workspace.react(ALICE, HELP, reply, "white_check_mark")
    question = await workspace.question()
    assert question.message_id == f"{HELP}:{card['ts']}"
    assert question.status is QuestionStatus.RESOLVED
    assert len([m for m in workspace.fake.channels[HELP].messages if not m.get("thread_ts")]) == 1


async def while_the_cards_answer_hangs(workspace, events) -> str:
    """Alice asks; Slack makes the card, and its answer does not come: ``events(card's ts)``
    are sent meanwhile, before Entraide knows the card. Then the client gives up, and the
    card is found by its metadata and recorded. Returns the card's ts."""
    fake = workspace.fake
    fake.fail("chat.postMessage", applied=True, hang=True)
    ask = payloads.slash_command("/ask", "Which LMS?", ALICE, GENERAL, fake.hook_url())
    assert (await workspace.requests.command(ask))[0] == 200
    await workspace.adapter.drain()
    delivering = asyncio.create_task(workspace.adapter.entraide.deliver_due())
    await fake.wait_for("chat.postMessage", ok=False)  # the card is in #help
    card = workspace.last_card()
    for body in events(card):
        assert (await workspace.requests.event(body))[0] == 200
    await workspace.adapter.drain()
    await delivering
    return card


async def test_a_reply_before_the_card_is_recorded_is_an_answer_once_it_is(db, fake):
    """chat.postMessage applied, and its answer never comes: Bob sees the card and replies in
    its thread before Entraide knows the card's ts. The reply is kept; once the retry finds
    the card by its metadata, the next tick counts it, as of when Bob wrote it."""
    from datetime import timedelta

    from bot.domain import QuestionStatus

    workspace = await open_workspace(db, fake, timeout=0.5)
    try:
        card = await while_the_cards_answer_hangs(
            workspace,
            lambda card: [
                payloads.message_event(fake.member_message(HELP, CAROL, "Moodle works well", card))
            ],
        )
        later = workspace.clock.now() + timedelta(minutes=5)
        for tick in (later, later + timedelta(seconds=30)):
            workspace.clock.set(tick)
            await workspace.adapter.entraide.run_due(tick)
            await workspace.settle()
        question = await workspace.question()
        assert question.message_id == f"{HELP}:{card}"
        assert question.status is QuestionStatus.ANSWERED
        async with workspace.store.transaction() as tx:
            [answer] = await tx.questions.answers(COMMUNITY, 1)
        assert (answer.author_id, answer.text) == (CAROL, "Moodle works well")
        assert answer.created_at < later
        assert "answered" in text_of(fake.called("chat.update")[-1]["blocks"])
        assert len([m for m in fake.channels[HELP].messages if not m.get("thread_ts")]) == 1
    finally:
        await workspace.close()


async def test_reactions_before_the_card_is_recorded_count_once_it_is(db, fake):
    """The card is in #help and Slack's answer hangs: Carol says "me too" on it, Bob answers,
    and Alice accepts Bob's answer with ✅, all before Entraide knows the card's ts. At the
    tick after the card is found, the question is resolved with Bob's answer and one "me too"."""
    from datetime import timedelta

    from bot.domain import MarkKind, QuestionStatus

    workspace = await open_workspace(db, fake, timeout=0.5)
    replies = []

    def reactions_and_a_reply(card: str) -> list[dict]:
        replies.append(fake.member_message(HELP, BOB, "Moodle works well", card))
        return [
            payloads.reaction_event(CAROL, HELP, card, "eyes", None, True),
            payloads.message_event(replies[0]),
            payloads.reaction_event(ALICE, HELP, replies[0]["ts"], "white_check_mark", BOB),
        ]

    try:
        await while_the_cards_answer_hangs(workspace, reactions_and_a_reply)
        reply = replies[0]
        tick = workspace.clock.now() + timedelta(seconds=30)
        workspace.clock.set(tick)
        await workspace.adapter.entraide.run_due(tick)
        await workspace.settle()
        question = await workspace.question()
        assert question.status is QuestionStatus.RESOLVED and question.accepted_answer_id == 1
        async with workspace.store.transaction() as tx:
            me_too = await tx.marks.count(COMMUNITY, question.message_id, MarkKind.ME_TOO)
        assert me_too == 1
        assert (HELP, reply["ts"], "white_check_mark") in fake.reactions  # the bot's mark
    finally:
        await workspace.close()


async def test_a_request_the_database_cannot_keep_is_not_acknowledged(workspace, monkeypatch):
    """Slack is told "received" only once the request is stored: if it cannot be, the answer
    is an error, and Slack sends the request again later."""
    from storage.repositories.events import Events

    async def database_away(*args, **kwargs):
        raise ConnectionError("the database is away")

    monkeypatch.setattr(Events, "receive", database_away)
    body = payloads.slash_command("/ask", "Anyone?", ALICE, GENERAL, workspace.fake.hook_url())
    status, _ = await workspace.requests.command(body)
    assert status != 200
    monkeypatch.undo()
    status, _ = await workspace.requests.command(body)  # Slack's retry
    await workspace.settle()
    assert status == 200 and len(workspace.fake.posts(HELP)) == 1

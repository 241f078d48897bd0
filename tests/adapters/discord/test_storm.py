"""Gateway events delivered back to back, as Discord sends a storm: none lost, none out of order,
a bounded number handled at once, and the backlog visible in ``/metrics``."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import replace
from typing import Any

import aiohttp
from pydantic import SecretStr

from adapters.discord.client import DiscordAdapter
from adapters.discord.settings import DiscordSettings as Discord
from bot.domain import QuestionStatus
from bot.runtime.health import health_app, serve
from bot.runtime.metrics import Metrics
from tests.adapters.discord import payloads
from tests.adapters.discord.conftest import COMMUNITY, TOKEN, Bot, settle

QUESTIONS = 40
MARKING = 50  # members who mark every answer helpful (one event each, some twice)
CHANGING = 4  # members per answer who add, remove, then add again: counted once
LEAVING = 4  # members per answer who add, then remove: not counted


async def open_questions(bot: Bot, count: int) -> list[str]:
    """``count`` open questions with their cards posted; returns the cards' (threads') ids."""
    now = bot.core.clock.now()
    cards = []
    async with bot.store.transaction() as tx:
        await bot.core.settings(tx, COMMUNITY)
        for n in range(count):
            question = await tx.questions.add(
                COMMUNITY, payloads.HELP, payloads.ALICE, False, f"Question {n}", "", (),
                QuestionStatus.OPEN, now,
            )  # fmt: skip
            cards.append(payloads.snowflake())
            await tx.questions.update(replace(question, message_id=cards[-1]))
    return cards


def storm(bot: Bot, cards: list[str]) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """Each thread's answer, then its reactions, in a random interleaving of all threads that
    keeps each member's own sequence on each answer in order; returns (events, marks expected)."""
    rng = random.Random(20261125)
    members = [payloads.snowflake() for _ in range(MARKING + CHANGING + LEAVING)]
    for member in members:  # a removal names no member: the adapter asks Discord who it was
        bot.fake.members[member] = payloads.member(member)
    sequences: list[list[tuple[str, dict[str, Any]]]] = []
    answers: dict[str, tuple[str, dict[str, Any]]] = {}
    for card in cards:
        answer = payloads.message(card, "Short polls every 20 minutes", payloads.BOB)
        answers[answer["id"]] = ("MESSAGE_CREATE", answer)
        for n, member in enumerate(members):
            adding = ("MESSAGE_REACTION_ADD", payloads.reaction(answer["id"], card, member))
            removing = (
                "MESSAGE_REACTION_REMOVE",
                payloads.reaction(answer["id"], card, member, added=False),
            )
            if n < MARKING:  # one in ten delivered twice, as after a replay
                sequences.append([adding, adding] if rng.random() < 0.1 else [adding])
            elif n < MARKING + CHANGING:
                sequences.append([adding, removing, adding])
            else:
                sequences.append([adding, removing])
    events, started = [], set()
    while sequences:
        sequence = sequences[rng.randrange(len(sequences))]
        event = sequence.pop(0)
        message = event[1]["message_id"]
        if message not in started:  # the answer comes first in its thread, as on Discord
            started.add(message)
            events.append(answers[message])
        events.append(event)
        if not sequence:
            sequences.remove(sequence)
    return events, MARKING + CHANGING


async def test_a_storm_of_reactions_delivered_back_to_back_counts_every_mark(bot: Bot, caplog):
    """Thousands of events parsed without a pause between them: every answer recorded, every
    helpful mark counted once, removals after their additions, and no event failed."""
    cards = await open_questions(bot, QUESTIONS)
    events, expected = storm(bot, cards)
    assert len(events) > 2_500
    parse = bot.adapter.client._connection.parsers
    with caplog.at_level(logging.ERROR):
        for name, data in events:
            parse[name](data)
        assert bot.adapter.backlog > 0  # nothing was handled while they arrived
        await settle(bot.adapter)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    counts = [[a.helpful_count for a in await bot.answers(n)] for n in range(1, QUESTIONS + 1)]
    assert counts == [[expected]] * QUESTIONS
    assert bot.adapter.backlog == 0


async def test_an_answer_and_the_reactions_right_behind_it_are_handled_in_order(bot: Bot):
    """A reply and the ✅ on it, parsed back to back: the reply is an answer before the mark comes."""
    (card,) = await open_questions(bot, 1)
    answer = payloads.message(card, "Short polls every 20 minutes", payloads.BOB)
    parse = bot.adapter.client._connection.parsers
    parse["MESSAGE_CREATE"](answer)
    parse["MESSAGE_REACTION_ADD"](payloads.reaction(answer["id"], card, payloads.CAROL))
    parse["MESSAGE_REACTION_ADD"](payloads.reaction(answer["id"], card, payloads.DAVE))
    await settle(bot.adapter)
    assert [a.helpful_count for a in await bot.answers()] == [2]


class Gated:
    """``Entraide`` that holds every event until the test opens the gate, counting those held."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.inside = self.most = self.handled = 0

    async def handle(self, _command: Any) -> None:
        self.inside += 1
        self.most = max(self.most, self.inside)
        try:
            await self.gate.wait()
        finally:
            self.inside -= 1
            self.handled += 1


def gated_adapter(fake, workers: int) -> tuple[DiscordAdapter, Gated]:
    gated = Gated()
    settings = Discord(enabled=True, token=SecretStr(TOKEN), api_url=fake.api_url)
    adapter = DiscordAdapter(gated, settings, workers=workers)  # type: ignore[arg-type]
    adapter.client._connection.parse_guild_create(payloads.guild())
    return adapter, gated


def reactions(count: int) -> list[dict[str, Any]]:
    """``count`` ✅ by one member, each on its own message in its own thread."""
    return [
        payloads.reaction(payloads.snowflake(), payloads.snowflake(), payloads.CAROL)
        for _ in range(count)
    ]


async def test_events_wait_for_a_worker_and_the_backlog_is_in_the_metrics(fake, monkeypatch):
    """No more events are handled at once than there are workers; the others wait, counted in
    ``entraide_event_backlog``, and are all handled once workers are free."""
    monkeypatch.setattr("discord.http.Route.BASE", "http://127.0.0.1:9")
    adapter, gated = gated_adapter(fake, workers=3)
    metrics = Metrics()
    runner, port = await serve(
        health_app(_reachable, [adapter], metrics, _no_deliveries), "127.0.0.1", 0
    )
    line = 'entraide_event_backlog{platform="discord"}'
    try:
        for data in reactions(50):
            adapter.client._connection.parsers["MESSAGE_REACTION_ADD"](data)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert f"{line} 50.0" in await response.text()
            assert gated.inside == 3
            gated.gate.set()
            await adapter.drain()
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert f"{line} 0.0" in await response.text()
        assert (gated.most, gated.handled) == (3, 50)
    finally:
        gated.gate.set()
        await runner.cleanup()
        await adapter.stop()


async def test_stop_handles_every_event_already_received(fake, monkeypatch):
    """Events waiting when ``stop`` begins are handled before it returns; later ones are not taken."""
    monkeypatch.setattr("discord.http.Route.BASE", "http://127.0.0.1:9")
    adapter, gated = gated_adapter(fake, workers=2)
    parse = adapter.client._connection.parsers["MESSAGE_REACTION_ADD"]
    for data in reactions(20):
        parse(data)
    stopping = asyncio.create_task(adapter.stop())
    await asyncio.sleep(0)  # stop has begun: no more events are taken
    for data in reactions(5):
        parse(data)
    gated.gate.set()
    await asyncio.wait_for(stopping, 10)
    assert gated.handled == 20 and adapter.backlog == 0


async def _reachable() -> bool:
    return True


async def _no_deliveries() -> int:
    return 0

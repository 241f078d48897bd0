"""The Discord server of the Discord events benchmark (``discord_events.py``): the gateway
payloads discord.py parses (GUILD_CREATE, MESSAGE_REACTION_ADD), the storm of reactions with
its replays, and ``Bench``: a fresh database of answered questions with the adapter over it,
the time spent in the core (``Timed``) and the failed events (``Failures``) counted.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, replace
from typing import Any

from pydantic import SecretStr

from adapters.discord.client import DiscordAdapter
from adapters.discord.settings import DiscordSettings as Discord
from bot.clock import SystemClock
from bot.core import Core
from bot.domain import CommunitySettings, QuestionStatus
from bot.prompts import load_library
from bot.service import Entraide
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store

SEED = 20261125
GUILD = 1180000000000000001
HELP = 1180000000000000010
COMMUNITY = f"discord:{GUILD}"
ASKER, AUTHOR = 1180000000000000201, 1180000000000000202
FIRST_MEMBER = 1180000000000000300
FIRST_ID = 1190000000000000000
DUPLICATES = 0.10


def guild_payload() -> dict[str, Any]:
    """GUILD_CREATE as discord.py needs it to know the server (members' roles, the channel)."""
    everyone = {"id": str(GUILD), "name": "@everyone", "permissions": "68672", "position": 0}
    channel = {"id": str(HELP), "type": 0, "guild_id": str(GUILD), "name": "help", "position": 0}
    return {
        "id": str(GUILD),
        "name": "Benchmark",
        "owner_id": str(ASKER - 1),
        "roles": [everyone | {"color": 0, "hoist": False, "managed": False, "mentionable": False}],
        "channels": [channel | {"permission_overwrites": []}],
        "emojis": [],
        "members": [],
        "member_count": 20,
        "unavailable": False,
        "features": [],
    }


def reaction(answer: int, thread: int, member: int) -> dict[str, Any]:
    """MESSAGE_REACTION_ADD for ✅ by ``member`` on an answer in its question's thread."""
    user = {"id": str(member), "username": f"m{member}", "global_name": None, "discriminator": "0"}
    return {
        "user_id": str(member),
        "type": 0,
        "message_id": str(answer),
        "message_author_id": str(AUTHOR),
        "member": {"user": user | {"avatar": None}, "roles": [], "joined_at": None, "deaf": False}
        | {"mute": False, "flags": 0},
        "emoji": {"id": None, "name": "✅"},
        "channel_id": str(thread),
        "burst": False,
        "guild_id": str(GUILD),
        "burst_colors": [],
    }


async def answered_questions(store: Store, core: Core, count: int) -> list[tuple[int, int]]:
    """``count`` questions with one answer each; returns (answer message, thread) ids."""
    now = core.clock.now()
    pairs = []
    async with store.transaction() as tx:
        await core.settings(tx, COMMUNITY)
        for n in range(count):
            card, answer = FIRST_ID + 2 * n, FIRST_ID + 2 * n + 1
            question = await tx.questions.add(
                COMMUNITY,
                str(HELP),
                str(ASKER),
                False,
                f"Question {n}",
                "",
                (),
                QuestionStatus.OPEN,
                now,
            )
            await tx.questions.update(replace(question, message_id=str(card)))
            await tx.questions.add_answer(
                COMMUNITY, question.id, str(AUTHOR), "An answer", str(answer), now
            )
            pairs.append((answer, card))
    return pairs


def storm(pairs: list[tuple[int, int]], members: int) -> list[dict[str, Any]]:
    """Every member on every answer, shuffled; replays make 10% of all events, a little later."""
    rng = random.Random(SEED)
    events = [reaction(a, t, FIRST_MEMBER + m) for a, t in pairs for m in range(members)]
    rng.shuffle(events)
    replays = round(len(events) * DUPLICATES / (1 - DUPLICATES))
    for original in rng.sample(range(len(events)), replays):
        later = min(len(events), original + rng.randint(1, 50))
        events.insert(later, events[original])
    return events


class Timed:
    """``Entraide`` with the time spent in ``handle`` added up: the core's share of each event."""

    def __init__(self, entraide: Entraide) -> None:
        self.entraide = entraide
        self.seconds = 0.0

    async def handle(self, command: Any) -> Any:
        begun = time.perf_counter()
        try:
            return await self.entraide.handle(command)
        finally:
            self.seconds += time.perf_counter() - begun


class Failures(logging.Handler):
    """Counts the events whose handling failed (the adapter logs each one)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@dataclass
class Bench:
    """A fresh database with ``answers`` answered questions, and the adapter over it."""

    store: Store
    adapter: DiscordAdapter
    timed: Timed
    pairs: list[tuple[int, int]]
    failures: Failures

    @classmethod
    async def open(cls, url: str, answers: int) -> Bench:
        engine = create_engine(url)
        await upgrade(engine)
        store = Store(engine)
        core = Core(
            store=store,
            chat=None,  # type: ignore[arg-type]  # the adapter's, below; marks post nothing
            clock=SystemClock(),
            library=load_library(),
            defaults=CommunitySettings(community_id="", help_channel=str(HELP)),
        )
        # Never logged in: nothing here talks to Discord, events are parsed as the gateway would.
        settings = Discord(enabled=True, token=SecretStr("benchmark"), api_url="http://127.0.0.1:9")
        timed = Timed(Entraide(core))
        adapter = DiscordAdapter(timed, settings)  # type: ignore[arg-type]
        core.chat = adapter.chat
        adapter.client._connection.parsers["GUILD_CREATE"](guild_payload())
        failures = Failures()
        logging.getLogger("adapters.discord").addHandler(failures)
        pairs = await answered_questions(store, core, answers)
        return cls(store, adapter, timed, pairs, failures)

    async def counts(self) -> list[int]:
        async with self.store.transaction() as tx:
            return [
                answer.helpful_count
                for question_id in range(1, len(self.pairs) + 1)
                for answer in await tx.questions.answers(COMMUNITY, question_id)
            ]

    async def close(self) -> None:
        logging.getLogger("adapters.discord").removeHandler(self.failures)
        await self.adapter.stop()
        await self.store.engine.dispose()

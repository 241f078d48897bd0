"""The Discord adapter on the real core and store, against FakeDiscord.

``bot`` is logged in (through FakeDiscord's REST API) with the server in discord.py's
cache, as after GUILD_CREATE; tests feed gateway events through discord.py's own
parsers and wait, without sleeping, for everything those events started to finish.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from discord.http import Route
from pydantic import SecretStr

from adapters.discord.client import DiscordAdapter
from adapters.discord.settings import DiscordSettings as Discord
from bot.clock import ManualClock
from bot.core import Core
from bot.domain import Answer, CommunitySettings, Question
from bot.service import Entraide
from storage.store import Store
from tests.adapters.discord import payloads
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.conftest import LIBRARY, START

TOKEN = "test-token-never-logged"
COMMUNITY = f"discord:{payloads.GUILD}"
# Tasks discord.py starts for an event: app commands, UI dispatch, event handlers.
_DISCORD_TASKS = ("CommandTree-invoker", "discord-ui-", "discord.py: ")


async def settle(adapter: DiscordAdapter) -> None:
    """Wait until discord.py and the adapter have finished with every event fed so far."""
    while True:
        current = asyncio.current_task()
        started = [
            task
            for task in asyncio.all_tasks()
            if task is not current
            and not task.done()
            and task.get_name().startswith(_DISCORD_TASKS)
        ]
        if not started and not adapter._work and not adapter.backlog:
            return
        await asyncio.gather(*started, return_exceptions=True)
        await adapter.drain()


@dataclass
class Bot:
    adapter: DiscordAdapter
    fake: FakeDiscord
    core: Core
    store: Store

    async def feed(self, event: str, data: dict[str, Any]) -> None:
        """Deliver one gateway event the way the websocket does, and wait for its effects,
        the posts it queued included."""
        self.adapter.client._connection.parsers[event](data)
        await settle(self.adapter)
        await self.adapter.entraide.deliver_due()

    async def ask(self, question: str = "How do I keep learners engaged?", **options: Any) -> str:
        """Ask with /ask and return the question card's message id."""
        await self.feed("INTERACTION_CREATE", payloads.slash("ask", question=question, **options))
        async with self.store.transaction() as tx:
            asked = (await tx.questions.all(COMMUNITY))[-1]
        assert asked.message_id, self.fake.calls[-3:]
        return asked.message_id

    async def answer(self, card: str, text: str = "Short polls", author: str = payloads.BOB) -> str:
        """A member's reply in the question's thread; returns the reply's message id."""
        reply = payloads.message(card, text, author)
        self.fake.add_message(card, reply["id"], author, text)
        await self.feed("MESSAGE_CREATE", reply)
        return reply["id"]

    async def run_due(self) -> None:
        """Whatever the scheduler would do now (reminders, prompts), posted through the adapter."""
        await self.adapter.entraide.run_due(self.core.clock.now())
        await self.adapter.entraide.deliver_due()

    async def question(self, number: int = 1) -> Question | None:
        async with self.store.transaction() as tx:
            return await tx.questions.get(COMMUNITY, number)

    async def answers(self, number: int = 1) -> list[Answer]:
        async with self.store.transaction() as tx:
            return await tx.questions.answers(COMMUNITY, number)

    def reply_to(self, interaction: dict[str, Any]) -> dict[str, Any]:
        """What replaced the deferred "thinking…" message of an interaction."""
        replies = self.fake.interaction_replies(interaction["token"])
        assert replies, f"no reply to interaction {interaction['id']}"
        return replies[-1].json or {}


def reply_text(body: dict[str, Any]) -> str:
    embeds = " ".join(
        f"{e.get('title', '')} {e.get('description', '')}" for e in body.get("embeds", [])
    )
    return f"{body.get('content', '')} {embeds}"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


def make_adapter(store: Store, fake: FakeDiscord, **defaults: Any) -> tuple[DiscordAdapter, Core]:
    core = Core(
        store=store,
        chat=None,  # type: ignore[arg-type]  # the adapter's chat, set below, as the runtime routes
        clock=ManualClock(START),
        library=LIBRARY,
        defaults=CommunitySettings(community_id="", **({"help_channel": payloads.HELP} | defaults)),
    )
    settings = Discord(enabled=True, token=SecretStr(TOKEN), api_url=fake.api_url)
    adapter = DiscordAdapter(Entraide(core), settings, request_timeout=0.5, retry_delays=(0, 0))
    core.chat = adapter.chat
    return adapter, core


@pytest.fixture
async def bot(db: Store, fake: FakeDiscord, monkeypatch) -> AsyncIterator[Bot]:
    monkeypatch.setattr(Route, "BASE", Route.BASE)  # the adapter points it at FakeDiscord
    adapter, core = make_adapter(db, fake)
    await adapter.login()
    adapter.client._connection.parse_guild_create(payloads.guild())
    try:
        yield Bot(adapter, fake, core, db)
    finally:
        await adapter.stop()

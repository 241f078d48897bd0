"""A Slack workspace for the adapter's tests: FakeSlack, the adapter on an ephemeral port, the core on the real store."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from adapters.slack.app import SlackAdapter
from adapters.slack.chat import SlackChat
from adapters.slack.settings import SlackSettings as Slack
from bot.clock import ManualClock
from bot.core import Core
from bot.domain import CommunitySettings, Question
from bot.service import Entraide
from storage.store import Store
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import APP_TOKEN, BOT_TOKEN, TEAM, FakeSlack
from tests.conftest import LIBRARY, START

COMMUNITY = f"slack:{TEAM}"
GENERAL, HELP, RESOURCES = "C0GENERAL", "C0HELP", "C0RES"
ALICE, BOB, CAROL, OLGA, FLORE = "U0ALICE", "U0BOB", "U0CAROL", "U0OLGA", "U0FLORE"
SETTLE_SECONDS = 5


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Only the local fakes can be reached: a stray call to slack.com fails the test."""
    # slack_sdk follows HTTPS_PROXY even to 127.0.0.1: the fakes must be reached directly.
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    resolve = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost", None):
            raise OSError(f"the Slack tests are offline: no connection to {host}")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    fake.add_channel(GENERAL, "general")
    fake.add_channel(HELP, "help")
    fake.add_channel(RESOURCES, "resources")
    fake.add_user(ALICE, "Alice")
    fake.add_user(BOB, "Bob")
    fake.add_user(CAROL, "Carol")
    fake.add_user(OLGA, "Olga", admin=True)
    fake.add_user(FLORE, "Flore", locale="fr-FR")
    try:
        yield fake
    finally:
        await fake.stop()


def slack_settings(fake: FakeSlack, mode: str = "http") -> Slack:
    settings = Slack(
        enabled=True,
        mode=mode,
        bot_token=BOT_TOKEN,
        app_token=APP_TOKEN if mode == "socket" else None,
        signing_secret=payloads.SIGNING_SECRET if mode == "http" else None,
        api_url=fake.api_url,
        host="127.0.0.1",
    )
    return settings.model_copy(update={"port": 0})  # any free port


@dataclass
class Workspace:
    """One Slack workspace running Entraide: act as its members, look at what Slack received."""

    fake: FakeSlack
    adapter: SlackAdapter
    store: Store
    clock: ManualClock
    requests: payloads.SignedRequests | None
    sleeps: list[float] = field(default_factory=list)

    async def settle(self) -> None:
        """Wait for the work the adapter acknowledged, and for what it queued to be delivered
        (never a fixed sleep)."""
        await asyncio.wait_for(self.adapter.drain(), SETTLE_SECONDS)
        await asyncio.wait_for(self.adapter.entraide.deliver_due(), SETTLE_SECONDS)

    async def command(self, user: str, command: str, text: str = "", channel: str = GENERAL):
        """Run a slash command; return the private reply the member got (from response_url)."""
        hooks = len(self.fake.hooks)
        body = payloads.slash_command(command, text, user, channel, self.fake.hook_url())
        status, _ = await self.requests.command(body)
        assert status == 200
        await self.settle()
        return self.fake.hooks[hooks] if len(self.fake.hooks) > hooks else None

    async def say(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> str:
        """A member writes (a thread reply when ``thread_ts``); return the message's ts."""
        message = self.fake.member_message(channel, user, text, thread_ts)
        status, _ = await self.requests.event(payloads.message_event(message))
        assert status == 200
        await self.settle()
        return message["ts"]

    async def react(
        self, user: str, channel: str, ts: str, emoji: str, added: bool = True, **kw
    ) -> None:
        author = self.fake.message(channel, ts).get("user")
        body = payloads.reaction_event(user, channel, ts, emoji, author, added, **kw)
        status, _ = await self.requests.event(body)
        assert status == 200
        await self.settle()

    async def press(self, user: str, channel: str, ts: str, button: dict) -> dict | None:
        hooks = len(self.fake.hooks)
        body = payloads.button_press(user, channel, ts, button, self.fake.hook_url())
        status, _ = await self.requests.interaction(body)
        assert status == 200
        await self.settle()
        return self.fake.hooks[hooks] if len(self.fake.hooks) > hooks else None

    def last_card(self, channel: str = HELP) -> str:
        """The ts of the bot's latest message in a channel, out of threads (a question's card)."""
        messages = self.fake.channels[channel].messages
        return [m for m in messages if m.get("bot_id") and not m.get("thread_ts")][-1]["ts"]

    async def ask_and_accept(self, asker: str, helper: str, title: str, answer: str) -> str:
        """A question, answered by ``helper`` and accepted by its asker; return the answer's ts."""
        await self.command(asker, "/ask", title)
        reply = await self.say(helper, HELP, answer, thread_ts=self.last_card())
        await self.react(asker, HELP, reply, "white_check_mark")
        return reply

    async def question(self, number: int = 1) -> Question | None:
        async with self.store.transaction() as tx:
            return await tx.questions.get(COMMUNITY, number)

    async def close(self) -> None:
        await self.adapter.stop()
        if self.requests is not None:
            await self.requests.close()


async def open_workspace(
    store: Store, fake: FakeSlack, mode: str = "http", timeout: float = 5.0
) -> Workspace:
    clock = ManualClock(START)
    sleeps: list[float] = []

    async def sleep(delay: float) -> None:
        sleeps.append(delay)  # retries are recorded, not waited for

    chat = SlackChat(BOT_TOKEN, fake.api_url, sleep=sleep, timeout=timeout)
    core = Core(
        store=store,
        chat=chat,
        clock=clock,
        library=LIBRARY,
        defaults=CommunitySettings(community_id="", help_channel=HELP),
    )
    adapter = SlackAdapter(Entraide(core), slack_settings(fake, mode), clock, chat=chat)
    await adapter.start()
    requests = (
        payloads.SignedRequests(f"http://127.0.0.1:{adapter.port}/slack/events")
        if mode == "http"
        else None
    )
    return Workspace(fake, adapter, store, clock, requests, sleeps)


@pytest.fixture
async def workspace(db, fake) -> AsyncIterator[Workspace]:
    workspace = await open_workspace(db, fake)
    try:
        yield workspace
    finally:
        await workspace.close()


def buttons(blocks: list[dict]) -> list[dict]:
    return [
        element for block in blocks if block["type"] == "actions" for element in block["elements"]
    ]


def text_of(blocks: list[dict]) -> str:
    return "\n".join(block["text"]["text"] for block in blocks if block["type"] == "section")

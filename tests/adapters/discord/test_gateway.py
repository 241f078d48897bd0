"""The adapter run end to end on FakeDiscord's gateway: start, intents, resume replays, stop, token."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import discord
import pytest
from discord.http import Route
from pydantic import SecretStr

from adapters.discord.client import DiscordAdapter
from adapters.discord.settings import DiscordSettings as Discord
from bot.errors import ConfigError
from tests.adapters.discord import payloads
from tests.adapters.discord.conftest import TOKEN, Bot, make_adapter, settle
from tests.adapters.discord.fake_discord import FakeDiscord


@pytest.fixture
async def running(db, fake, monkeypatch) -> AsyncIterator[Bot]:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    adapter, core = make_adapter(db, fake)
    # discord.py waits this long after the last GUILD_CREATE before it is ready (2 s by default).
    adapter.client._connection.guild_ready_timeout = 0.05
    await adapter.start()
    try:
        yield Bot(adapter, fake, core, db)
    finally:
        await adapter.stop()


async def deliver(bot: Bot, event: str, data: dict, seen_as: str) -> None:
    """Send an event on the gateway and wait until the adapter has handled it."""
    received = asyncio.ensure_future(bot.adapter.client.wait_for(seen_as))
    await bot.fake.gateway.dispatch(event, data)
    await asyncio.wait_for(received, timeout=5)
    await settle(bot.adapter)


async def test_start_identifies_with_only_the_needed_intents_and_returns_once_ready(running):
    """start() returns connected, with the server cached and no privileged intent but message content."""
    identify = running.fake.gateway.identified[0]
    intents = discord.Intents._from_value(identify["intents"])
    assert intents == discord.Intents(
        guilds=True,
        guild_messages=True,
        guild_reactions=True,
        message_content=True,
        emojis_and_stickers=True,
    )
    assert not intents.members and not intents.presences
    assert running.adapter.connected
    assert running.adapter.client.get_guild(int(payloads.GUILD)) is not None


async def test_a_reaction_replayed_on_resume_has_one_effect(running):
    """Discord replays an event after RESUME with its sequence number: it is recognised and ignored."""
    message = payloads.snowflake()
    running.fake.add_message(payloads.GENERAL, message, payloads.BOB, "https://example.com/polls")
    bookmark = payloads.reaction(message, payloads.GENERAL, payloads.CAROL, "🔖")
    await deliver(running, "MESSAGE_REACTION_ADD", bookmark, "raw_reaction_add")
    dms = FakeDiscord.dm_channel(payloads.CAROL)
    assert len(running.fake.posted_in(dms)) == 1  # "saved as R1"

    running.fake.gateway.replay_on_resume = [running.fake.gateway.sent[-1]]
    resumed = asyncio.ensure_future(running.adapter.client.wait_for("resumed"))
    await running.fake.gateway.ask_to_reconnect()
    await asyncio.wait_for(resumed, timeout=5)
    await settle(running.adapter)

    assert running.fake.gateway.resumed[0]["session_id"] == "fake-session-1"
    assert len(running.fake.posted_in(dms)) == 1


async def test_the_same_reaction_later_is_a_new_event(running):
    """Removed and added again on the live gateway: each delivery has its own key, both count."""
    message = payloads.snowflake()
    running.fake.add_message(payloads.GENERAL, message, payloads.BOB, "https://example.com/polls")
    bookmark = payloads.reaction(message, payloads.GENERAL, payloads.CAROL, "🔖")
    await deliver(running, "MESSAGE_REACTION_ADD", bookmark, "raw_reaction_add")
    await deliver(running, "MESSAGE_REACTION_ADD", bookmark, "raw_reaction_add")
    assert len(running.fake.posted_in(FakeDiscord.dm_channel(payloads.CAROL))) == 2


async def test_stop_lets_work_already_taken_finish_then_disconnects(running):
    """A press received before stop() is answered before the connection closes."""
    await running.ask()
    press = payloads.button(f"entraide|{payloads.GUILD}|question:close|1")
    received = asyncio.ensure_future(running.adapter.client.wait_for("interaction"))
    await running.fake.gateway.dispatch("INTERACTION_CREATE", press)
    await asyncio.wait_for(received, timeout=5)
    await running.adapter.stop()
    assert running.fake.interaction_replies(press["token"])
    assert running.adapter.client.is_closed() and not running.adapter.connected


async def test_a_missing_token_fails_at_construction_naming_the_variable(db):
    """No token, no adapter: the message says which variable to set."""
    with pytest.raises(ConfigError, match="ENTRAIDE_DISCORD__TOKEN"):
        DiscordAdapter(None, Discord(enabled=True))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="ENTRAIDE_DISCORD__TOKEN"):
        DiscordAdapter(None, Discord(enabled=True, token=SecretStr("  ")))  # type: ignore[arg-type]


async def test_a_rejected_token_stops_start_with_discords_reason(db, fake, monkeypatch):
    """A token Discord refuses (401) fails start() instead of waiting for a connection."""
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    fake.fail("GET", "/users/@me", 401)
    adapter, _ = make_adapter(db, fake)
    with pytest.raises(discord.LoginFailure):
        await adapter.start()
    await adapter.stop()


async def test_the_token_is_never_logged(db, fake, monkeypatch, caplog):
    """Everything logged while connecting and handling a command, debug included, lacks the token."""
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    adapter, core = make_adapter(db, fake)
    adapter.client._connection.guild_ready_timeout = 0.05
    with caplog.at_level(logging.DEBUG):
        await adapter.start()
        await Bot(adapter, fake, core, db).ask()
        await adapter.stop()
    assert caplog.records and TOKEN not in caplog.text

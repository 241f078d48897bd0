"""sync_commands: every spec registered, in English and French, globally or on one server."""

from __future__ import annotations

import pytest
from discord.http import Route
from pydantic import SecretStr

from adapters.discord.settings import DiscordSettings as Discord
from adapters.discord.sync import sync_commands
from bot.specs import COMMANDS
from tests.adapters.discord import payloads
from tests.adapters.discord.conftest import TOKEN


@pytest.fixture
def settings(fake, monkeypatch) -> Discord:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    return Discord(enabled=True, token=SecretStr(TOKEN), api_url=fake.api_url)


async def test_sync_registers_every_spec_and_the_menus_globally_with_french_texts(fake, settings):
    """One global bulk overwrite: each spec a guild-only slash command, its options and limits."""
    names = await sync_commands(settings)
    (call,) = fake.calls_to("PUT", rf"/applications/{payloads.BOT}/commands")
    registered = {command["name"]: command for command in call.json}
    assert names == [command["name"] for command in call.json]
    assert set(registered) == {spec.name for spec in COMMANDS} | {"Save resource", "Accept answer"}
    for spec in COMMANDS:
        command = registered[spec.name]
        assert command["description"] == spec.description["en"]
        assert command["description_localizations"] == {"fr": spec.description["fr"]}
        assert command["contexts"] == [0]
        options = {option["name"]: option for option in command.get("options", [])}
        for parameter in spec.parameters:
            option = options[parameter.name]
            assert option["required"] is parameter.required
            assert option.get("max_length") == parameter.max_length
            assert option["description_localizations"] == {"fr": parameter.description["fr"]}
    for menu, french in (
        ("Save resource", "Enregistrer la ressource"),
        ("Accept answer", "Accepter la réponse"),
    ):
        assert registered[menu]["type"] == 3 and registered[menu]["name_localizations"] == {
            "fr": french
        }


async def test_sync_on_one_server_registers_there_only(fake, settings):
    """``--guild ID``: the commands show on that server at once, and nothing global changes."""
    await sync_commands(settings, int(payloads.GUILD))
    assert fake.calls_to("PUT", rf"/applications/{payloads.BOT}/guilds/{payloads.GUILD}/commands")
    assert not fake.calls_to("PUT", rf"/applications/{payloads.BOT}/commands")


async def test_anonymous_is_a_yes_no_option(fake, settings):
    """/ask's anonymous option is a boolean; the others are text."""
    await sync_commands(settings)
    ask = next(
        c for c in fake.calls_to("PUT", r"/applications/\d+/commands")[0].json if c["name"] == "ask"
    )
    assert {option["name"]: option["type"] for option in ask["options"]} == {
        "question": 3,
        "details": 3,
        "tags": 3,
        "anonymous": 5,
    }

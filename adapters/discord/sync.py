"""Registering the slash commands with Discord: an explicit step, never done at start.

Discord limits how many commands an application may create per day, and a global
change takes a while to reach every server; a server-only sync shows at once, which
suits trying the bot on one test server first.
"""

from __future__ import annotations

import logging

import discord

from adapters.discord.client import intents, token_of, use_api_url
from adapters.discord.settings import DiscordSettings
from adapters.discord.tree import SpecTranslator, build_tree

log = logging.getLogger(__name__)


async def sync_commands(settings: DiscordSettings, guild_id: int | None = None) -> list[str]:
    """Register every command globally, or on the server ``guild_id`` only; return their names."""
    token = token_of(settings)
    use_api_url(settings.api_url)
    client = discord.Client(intents=intents())
    try:
        await client.login(token)
        tree = build_tree(client)
        await tree.set_translator(SpecTranslator())
        guild = discord.Object(id=guild_id) if guild_id is not None else None
        if guild is not None:
            tree.copy_global_to(guild=guild)
        synced = await tree.sync(guild=guild)
    finally:
        await client.close()
    where = f"server {guild_id}" if guild_id is not None else "every server (global)"
    log.info("synced %d Discord commands for %s", len(synced), where)
    return [command.name for command in synced]

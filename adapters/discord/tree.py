"""The command tree, declared from ``bot.specs``: one slash command per spec, plus two message menus.

English is Discord's default text; :class:`SpecTranslator` gives discord.py the
French of every description when commands are synced. The callbacks hand the
interaction and its options to the client (``interaction.client``), so the same
tree serves the running bot and ``sync_commands``, which never runs a callback.
"""

from __future__ import annotations

import inspect
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.specs import COMMANDS, CommandSpec, Parameter

GUILD_ONLY = app_commands.AppCommandContext(guild=True)
GUILD_INSTALL = app_commands.AppInstallationType(guild=True)
SAVE_RESOURCE = locale_str("Save resource", fr="Enregistrer la ressource")
ACCEPT_ANSWER = locale_str("Accept answer", fr="Accepter la réponse")


class CommandHandler(Protocol):
    """What the running client does with a command (``EntraideClient``)."""

    async def run_slash_command(
        self, interaction: discord.Interaction, name: str, options: dict[str, Any]
    ) -> None: ...

    async def run_save_resource(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None: ...

    async def run_accept_answer(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None: ...


class SpecTranslator(app_commands.Translator):
    """French names and descriptions from the specs (carried as ``locale_str`` extras)."""

    async def translate(
        self,
        string: locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        return string.extras.get("fr") if locale is discord.Locale.french else None


def build_tree(client: discord.Client) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)
    for command in COMMANDS:
        tree.add_command(slash_command(command))
    for name, callback in ((SAVE_RESOURCE, _save_resource), (ACCEPT_ANSWER, _accept_answer)):
        tree.add_command(
            app_commands.ContextMenu(
                name=name,
                callback=callback,
                allowed_contexts=GUILD_ONLY,
                allowed_installs=GUILD_INSTALL,
            )
        )
    return tree


def slash_command(command: CommandSpec) -> app_commands.Command:
    """A slash command whose options are the spec's parameters, with their limits."""

    async def callback(interaction: discord.Interaction, **options: Any) -> None:
        handler: CommandHandler = interaction.client  # type: ignore[assignment]
        given = {name: value for name, value in options.items() if value is not None}
        await handler.run_slash_command(interaction, command.name, given)

    # discord.py reads a command's options from its callback's signature.
    callback.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                "interaction",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=discord.Interaction,
            ),
            *(_option(parameter) for parameter in command.parameters),
        ]
    )
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        parameter.name: _localised(parameter.description) for parameter in command.parameters
    }
    return app_commands.Command(
        name=command.name,
        description=_localised(command.description),
        callback=callback,
        allowed_contexts=GUILD_ONLY,
        allowed_installs=GUILD_INSTALL,
    )


def _option(parameter: Parameter) -> inspect.Parameter:
    kind: Any = parameter.kind
    if kind is str and parameter.max_length:
        kind = app_commands.Range[str, 1, parameter.max_length]
    return inspect.Parameter(
        parameter.name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=kind if parameter.required else kind | None,
        default=inspect.Parameter.empty if parameter.required else None,
    )


def _localised(texts: dict[str, str]) -> locale_str:
    return locale_str(texts["en"], fr=texts["fr"])


async def _save_resource(interaction: discord.Interaction, message: discord.Message) -> None:
    handler: CommandHandler = interaction.client  # type: ignore[assignment]
    await handler.run_save_resource(interaction, message)


async def _accept_answer(interaction: discord.Interaction, message: discord.Message) -> None:
    handler: CommandHandler = interaction.client  # type: ignore[assignment]
    await handler.run_accept_answer(interaction, message)

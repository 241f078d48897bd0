"""Answering interactions: the first response within Discord's 3 s, then the core's reply.

Every command, menu, button and form is kept (``Entraide.receive``), then deferred
("thinking…", visible only to the member) before the core is asked anything, so that
a slow core never makes Discord show "the application did not respond", and an
instance that dies after the deferral leaves the interaction to another one. The
core's reply then replaces that deferred message (private replies), or is posted in
the channel (public ones); with no reply it is removed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import discord

from adapters.discord import translate
from adapters.discord.chat import DiscordChat
from adapters.discord.translate import ANONYMOUS, ASK_MODAL, DETAILS, QUESTION, TAGS
from bot.commands import Command, command_from_json, command_to_json
from bot.i18n import language_for, t
from bot.ports import ChatError, Handler
from bot.replies import Message, plain
from bot.specs import spec

log = logging.getLogger(__name__)

MODAL_TITLE_MAX = 45
LABEL_MAX = 45


# The core has no message for its own failures; these two are the adapter's only words.
class Interactions:
    def __init__(self, entraide: Handler, chat: DiscordChat) -> None:
        self.entraide = entraide
        self.chat = chat

    async def slash_command(
        self, interaction: discord.Interaction, name: str, options: dict[str, Any]
    ) -> None:
        if name == "ask" and not options.get(QUESTION):
            # A form must be the first response: nothing to defer, and nothing stored yet.
            await interaction.response.send_modal(ask_modal(_language(interaction), options))
            return
        await self._run(interaction, lambda: translate.slash_command(interaction, name, options))

    async def save_resource(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        await self._run(interaction, lambda: translate.save_resource(interaction, message))

    async def accept_answer(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        await self._run(interaction, lambda: translate.accept_answer(interaction, message))

    async def component_or_form(self, interaction: discord.Interaction) -> None:
        """A button press or the /ask form; anything else is not ours (commands go through the tree)."""
        custom_id = (interaction.data or {}).get("custom_id", "")
        if interaction.type is discord.InteractionType.component:
            command = translate.button(interaction)
            if command is not None:
                await self._run(interaction, lambda: command)
        elif interaction.type is discord.InteractionType.modal_submit and custom_id == ASK_MODAL:
            await self._run(interaction, lambda: translate.modal_ask(interaction))

    async def _run(self, interaction: discord.Interaction, command: Callable[[], Command]) -> None:
        built = command()
        community, key = built.actor.community_id, str(built.event_key)
        received = {
            "command": command_to_json(built),
            "token": interaction.token,  # answers the interaction for 15 minutes, no longer
            "guild": translate.guild_id(community),
            "locale": str(interaction.locale),
        }
        try:
            # Kept before the deferral, Discord's acknowledgement: if this instance dies
            # before answering, a tick of any instance handles it and answers in its place.
            if not await self.entraide.receive("discord", community, key, received):
                return  # already kept: a gateway replay of an interaction under way
        except Exception:
            # Not acknowledged: Discord tells the member it did not go through.
            log.exception("interaction %s could not be kept", interaction.id)
            return
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.HTTPException as error:
            # Too late: Discord already told the member it failed, so do nothing they did not see.
            log.warning("interaction %s could not be deferred: %s", interaction.id, error)
            await self.entraide.handled(community, key)
            return
        await self.answer(received)

    async def answer(self, received: dict[str, Any]) -> None:
        """Handle a kept interaction, mark it handled, and replace its "thinking…" message
        with the reply: right after the deferral, or when a tick replays it."""
        command = command_from_json(received["command"])
        community, language = command.actor.community_id, language_for("en", received["locale"])
        try:
            reply = await self.entraide.handle(command)
        except Exception:
            log.exception("%s failed in %s", type(command).__name__, community)
            reply = Message(lines=((plain(t(language, "error.internal")),),), private=True)
        try:
            # Most commands are claimed with their effect; the rest (a search, a refusal) here.
            # One told it failed is done too: the member tries again, or not.
            await self.entraide.handled(community, str(command.event_key))
        except Exception:
            log.exception("interaction %s stays kept: a tick answers it", command.event_key)
            return
        try:
            if reply is not None and not reply.private:
                await self.chat.post(community, command.channel_id, reply)
                reply = None
            await self.chat.reply_to_interaction(received["token"], received["guild"], reply)
        except ChatError as error:
            log.warning(
                "could not answer interaction %s in %s: %s", command.event_key, community, error
            )


def ask_modal(language: str, given: dict[str, Any]) -> discord.ui.Modal:
    """The /ask form: question, details, tags, and a box to ask anonymously.

    Options typed with an empty question are already filled in, so that nothing is typed twice.
    """
    ask = spec("ask")
    limits = {parameter.name: parameter for parameter in ask.parameters}
    modal = discord.ui.Modal(
        title=ask.description[language][:MODAL_TITLE_MAX], custom_id=ASK_MODAL, timeout=None
    )
    fields: list[tuple[str, discord.ui.Item[Any]]] = [
        (
            t(language, "field.question").capitalize(),
            discord.ui.TextInput(
                custom_id=QUESTION, max_length=limits[QUESTION].max_length, required=True
            ),
        ),
        (
            limits[DETAILS].description[language],
            discord.ui.TextInput(
                custom_id=DETAILS,
                style=discord.TextStyle.paragraph,
                max_length=limits[DETAILS].max_length,
                required=False,
                default=given.get(DETAILS),
            ),
        ),
        (
            limits[TAGS].description[language],
            discord.ui.TextInput(
                custom_id=TAGS,
                max_length=limits[TAGS].max_length,
                required=False,
                default=given.get(TAGS),
            ),
        ),
        (
            limits[ANONYMOUS].description[language],
            discord.ui.Checkbox(custom_id=ANONYMOUS, default=bool(given.get(ANONYMOUS))),
        ),
    ]
    for label, component in fields:
        modal.add_item(discord.ui.Label(text=label[:LABEL_MAX], component=component))
    return modal


def _language(interaction: discord.Interaction) -> str:
    return language_for("en", str(interaction.locale))

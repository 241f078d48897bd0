"""Discord's events as core commands: who acted, where, what, and a de-duplication key.

Ids given to the core are snowflakes as strings; a community is ``discord:<guild id>``.
A thread started on a message has that message's id, so a reply in a question's
thread carries the question's message id as ``thread_id`` with no lookup.
"""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord import emoji
from adapters.discord.render import parse_custom_id
from bot.commands import (
    AcceptAnswer,
    Actor,
    Ask,
    ButtonPressed,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    ReactionsCleared,
    SlashCommand,
)
from bot.urls import first_url

PLATFORM = "discord"
ASK_MODAL = "entraide|ask"
QUESTION, DETAILS, TAGS, ANONYMOUS = "question", "details", "tags", "anonymous"

# Members' own words: plain messages and replies (not joins, pins, thread notices…).
_MEMBER_MESSAGES = (discord.MessageType.default, discord.MessageType.reply)


def community_id(guild_id: int | str) -> str:
    return f"{PLATFORM}:{guild_id}"


def guild_id(community: str) -> str:
    platform, _, guild = community.partition(":")
    if platform != PLATFORM or not guild.isdigit():
        raise ValueError(f"{community!r} is not a Discord community")
    return guild


def is_organiser(member: discord.abc.User | None) -> bool:
    """Organisers are members with Manage Server (administrators have it too)."""
    return isinstance(member, discord.Member) and member.guild_permissions.manage_guild


def interaction_actor(interaction: discord.Interaction, guild: str | None = None) -> Actor:
    """The member who acted; their permissions come with the interaction, no cache needed."""
    user = interaction.user
    in_guild = interaction.guild_id is not None
    own = interaction.client.user
    return Actor(
        community_id(interaction.guild_id if in_guild else guild or ""),
        str(user.id),
        user.display_name,
        is_organiser=in_guild and interaction.permissions.manage_guild,
        is_bot=user.bot or (own is not None and user.id == own.id),
        locale=str(interaction.locale),
    )


def slash_command(
    interaction: discord.Interaction, name: str, options: dict[str, Any]
) -> SlashCommand:
    """A slash command with its typed options, as the spec names them, keyed by the
    interaction id: no text to parse, so a "|" or a "#" in a question stays as typed."""
    return SlashCommand(
        interaction_actor(interaction),
        str(interaction.channel_id),
        name,
        options=dict(options),
        event_key=str(interaction.id),
    )


def reactions_cleared(
    event: discord.RawReactionClearEvent | discord.RawReactionClearEmojiEvent,
) -> ReactionsCleared:
    """``MESSAGE_REACTION_REMOVE_ALL`` (every emoji) or ``MESSAGE_REACTION_REMOVE_EMOJI`` (one)."""
    cleared = getattr(event, "emoji", None)
    return ReactionsCleared(
        community_id(event.guild_id),
        str(event.channel_id),
        str(event.message_id),
        emoji.incoming(cleared) if cleared is not None else None,
    )


def accept_answer(interaction: discord.Interaction, message: discord.Message) -> AcceptAnswer:
    """The "Accept answer" menu on an answer: the core checks that it is one, and who may."""
    return AcceptAnswer(
        interaction_actor(interaction),
        str(interaction.channel_id),
        str(message.id),
        event_key=str(interaction.id),
    )


def save_resource(interaction: discord.Interaction, message: discord.Message) -> SlashCommand:
    """The "Save resource" menu shares the message's first link, as ``/share`` would."""
    url = first_url(message.content) or ""
    return SlashCommand(
        interaction_actor(interaction),
        str(interaction.channel_id),
        "share",
        url,
        event_key=str(interaction.id),
    )


def modal_ask(interaction: discord.Interaction) -> Ask:
    """The /ask form's submission."""
    values = modal_values((interaction.data or {}).get("components", []))
    return Ask(
        interaction_actor(interaction),
        str(interaction.channel_id),
        str(values.get(QUESTION) or ""),
        str(values.get(DETAILS) or ""),
        _tags(values.get(TAGS)),
        values.get(ANONYMOUS) is True,
        event_key=str(interaction.id),
    )


def modal_values(components: list[dict[str, Any]]) -> dict[str, Any]:
    """Each input's value by custom id, wherever it sits (action rows, labels)."""
    values: dict[str, Any] = {}
    for component in components:
        if "components" in component:
            values |= modal_values(component["components"])
        elif "component" in component:
            values |= modal_values([component["component"]])
        elif "custom_id" in component:
            values[component["custom_id"]] = component.get("value", component.get("values"))
    return values


def button(interaction: discord.Interaction) -> ButtonPressed | None:
    """A press on one of our buttons; the server comes with it even when pressed in a DM."""
    parsed = parse_custom_id((interaction.data or {}).get("custom_id", ""))
    if parsed is None:
        return None
    guild, action, value = parsed
    if interaction.guild_id is None and not guild:
        return None
    return ButtonPressed(
        interaction_actor(interaction, guild),
        str(interaction.channel_id),
        action,
        value,
        event_key=str(interaction.id),
    )


def message_posted(message: discord.Message) -> MessagePosted | None:
    """A member's message in a server; in a thread, ``thread_id`` is the thread's id."""
    if message.guild is None or message.type not in _MEMBER_MESSAGES:
        return None
    channel = message.channel
    # A channel missing from the cache may be a thread too: if it is not, no question has its id.
    in_thread = isinstance(channel, discord.Thread | discord.PartialMessageable)
    own = message.guild.me
    author = message.author
    text = "\n".join([message.content, *(a.url for a in message.attachments)]).strip()
    return MessagePosted(
        Actor(
            community_id(message.guild.id),
            str(author.id),
            author.display_name,
            is_organiser=is_organiser(author),
            is_bot=author.bot or (own is not None and author.id == own.id),
        ),
        str(channel.id),
        str(message.id),
        text,
        thread_id=str(channel.id) if in_thread else None,
        event_key=str(message.id),
    )


def reaction(
    event: discord.RawReactionActionEvent,
    member: discord.abc.User | None,
    own_id: int | None,
    event_key: str | None,
) -> ReactionAdded | ReactionRemoved | None:
    """A reaction added or removed; ``member`` is who reacted, when known."""
    if event.guild_id is None:
        return None
    actor = Actor(
        community_id(event.guild_id),
        str(event.user_id),
        member.display_name if member is not None else "",
        is_organiser=is_organiser(member),
        is_bot=(member is not None and member.bot) or event.user_id == own_id,
    )
    kind = ReactionAdded if event.event_type == "REACTION_ADD" else ReactionRemoved
    return kind(
        actor,
        str(event.channel_id),
        str(event.message_id),
        emoji.incoming(event.emoji),
        str(event.message_author_id) if event.message_author_id else None,
        event_key=event_key,
    )


def _tags(raw: Any) -> tuple[str, ...]:
    return (str(raw),) if raw else ()

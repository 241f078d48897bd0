"""Emoji between Discord and the core.

Discord sends a reaction's emoji as the character itself (``✅``, ``👍🏽``) or, for a
server's custom emoji, as its name and id. The core compares names through
``bot.emoji.canonical``, which already folds the characters of its defaults and
skin tones, so incoming emoji are passed on as Discord gives them. Outgoing, the
community settings hold names (``white_check_mark``) that Discord's API does not
know: they are turned back into characters here.
"""

from __future__ import annotations

import discord

from bot.emoji import canonical

# Names a community is likely to choose (the Slack/GitHub short names), with their characters.
CHARACTERS = {
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "ballot_box_with_check": "☑️",
    "eyes": "👀",
    "bookmark": "🔖",
    "+1": "👍",
    "thumbsup": "👍",
    "star": "⭐",
    "star2": "🌟",
    "raised_hands": "🙌",
    "pray": "🙏",
    "heart": "❤️",
    "tada": "🎉",
    "bulb": "💡",
    "clap": "👏",
    "rocket": "🚀",
    "fire": "🔥",
    "100": "💯",
    "muscle": "💪",
    "sparkles": "✨",
    "pushpin": "📌",
    "books": "📚",
    "link": "🔗",
    "question": "❓",
    "raising_hand": "🙋",
}


def incoming(emoji: discord.PartialEmoji) -> str:
    """What the core gets: the character of a unicode emoji, the name of a custom one."""
    return emoji.name or ""


def outgoing(emoji: str, guild: discord.Guild | None) -> str:
    """The path segment Discord's reaction endpoints expect: ``✅`` or ``name:id`` for custom emoji.

    Raises ``LookupError`` for a name Discord cannot resolve.
    """
    name = canonical(emoji)
    if name in CHARACTERS:
        return CHARACTERS[name]
    if not name.isascii():
        return emoji.strip().strip(":")  # already a character (with its skin tone, if any)
    custom = discord.utils.get(guild.emojis, name=name) if guild is not None else None
    if custom is None:
        raise LookupError(f"no emoji named {name!r} on this server")
    return f"{custom.name}:{custom.id}"

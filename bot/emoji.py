"""Emoji as the core compares them: one name, whatever the platform or skin tone."""

from __future__ import annotations

import re
import unicodedata

from bot.text import forbidden_char

# Platforms send either names (Slack) or the characters themselves (Discord);
# the community settings store names. These are the defaults' characters.
_NAMES = {
    "✅": "white_check_mark",
    "✔": "heavy_check_mark",
    "👀": "eyes",
    "🔖": "bookmark",
    "👍": "+1",
    "thumbsup": "+1",
    "⭐": "star",
    "🙌": "raised_hands",
    "🙏": "pray",
    "❤": "heart",
}
_SKIN_TONE_NAME = re.compile(r"::skin-tone-\d$")
_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f\ufe0e]")


def canonical(emoji: str) -> str:
    """``:+1::skin-tone-3:`` → ``+1``; ``👍🏽`` → ``+1``; ``✅`` → ``white_check_mark``."""
    name = (emoji or "").strip()
    if name.startswith(":") and name.endswith(":") and len(name) > 2:
        name = name[1:-1]
    name = _SKIN_TONE_NAME.sub("", name)
    name = _MODIFIERS.sub("", name)
    return _NAMES.get(name, name)


# Slack and Discord emoji names are ASCII; a Unicode "letter" here could be an invisible one.
_NAME = re.compile(r"[A-Za-z0-9_+\-']{1,64}")
_CUSTOM = re.compile(r"<a?:([A-Za-z0-9_]{1,32}):\d{1,20}>")  # how Discord writes a server's emoji


def setting(value: str) -> str | None:
    """The emoji an organiser chose, as the settings store it; None when it is no emoji.

    A name (``tada``, ``:+1:``), a Discord custom emoji (stored by name, as reactions
    arrive), or emoji characters (``👩‍🏫``). Nothing that reads as a mention or hides text.
    """
    custom = _CUSTOM.fullmatch(value.strip())
    emoji = canonical(custom.group(1) if custom else value)
    if _NAME.fullmatch(emoji) or _is_emoji_sequence(emoji):
        return emoji
    return None


def _is_emoji_sequence(text: str) -> bool:
    categories = [unicodedata.category(char) for char in text]
    return (
        0 < len(text) <= 16
        and forbidden_char(text) is None
        and any(category in ("So", "Me") for category in categories)
        and all(
            category in ("So", "Sk", "Mn", "Me") or char in "\u200d0123456789#*"
            for char, category in zip(text, categories, strict=True)
        )
    )

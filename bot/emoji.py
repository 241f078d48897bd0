"""Emoji as the core compares them: one name, whatever the platform or skin tone."""

from __future__ import annotations

import re

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

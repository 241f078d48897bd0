"""Checks on what members type: limits, invisible characters, mass mentions.

Each check raises :class:`UserError` with a translated message, before anything
is stored. The limits are documented in the README.
"""

from __future__ import annotations

import re
import unicodedata

from bot.errors import UserError

TITLE_MAX = 300
DETAILS_MAX = 3000
NOTE_MAX = 500
TAG_MAX = 32
TAGS_MAX = 10
PROMPT_MAX = 500
QUERY_MAX = 200
STORED_REPLY_MAX = 8000  # thread replies are recorded, not refused; longer ones are cut

_MASS_MENTION = re.compile(
    r"@(?:everyone|here|channel)\b|<!(?:everyone|here|channel)(?:\|[^>]*)?>|<!subteam\^[^>]*>|<@&\d+>",
    re.IGNORECASE,
)
_ZERO_WIDTH = {"\u200b", "\u200c", "\u2060", "\ufeff", "\u180e", "\u00ad"}
_ZWJ = "\u200d"
_TAG = re.compile(r"^[\w][\w+\-.]*$")


def _is_emoji_like(char: str) -> bool:
    return unicodedata.category(char) in {"So", "Sk", "Mn"}


def _forbidden_char(text: str) -> str | None:
    """The first control or invisible character, except newlines, tabs and emoji joiners."""
    for index, char in enumerate(text):
        if char == _ZWJ:
            # Joins emoji into one (👩‍🏫); anywhere else it only hides text.
            before, after = text[index - 1 : index], text[index + 1 : index + 2]
            if before and after and _is_emoji_like(before) and _is_emoji_like(after):
                continue
            return char
        category = unicodedata.category(char)
        if (category == "Cc" and char not in "\n\t") or category in {"Co", "Cs"}:
            return char
        # Bidi embeddings and overrides make text read otherwise than it is stored.
        if char in _ZERO_WIDTH or "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
            return char
    return None


def clean(text: str, *, field: str, limit: int, required: bool = True) -> str:
    """Strip ``text`` and check it; return the text to store."""
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        if required:
            raise UserError("error.empty", field=field)
        return ""
    if len(text) > limit:
        raise UserError("error.too_long", field=field, limit=limit, length=len(text))
    if _forbidden_char(text) is not None:
        raise UserError("error.invisible_characters", field=field)
    if _MASS_MENTION.search(text):
        raise UserError("error.mass_mention", field=field)
    return text


def clean_reply(text: str) -> str:
    """A thread reply is recorded as it was said (it is already public), only bounded."""
    return unicodedata.normalize("NFC", text or "").strip()[:STORED_REPLY_MAX]


def clean_tags(raw: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Tags lower-cased, without '#', de-duplicated in order."""
    tags: list[str] = []
    for item in raw:
        for tag in re.split(r"[\s,]+", item or ""):
            tag = unicodedata.normalize("NFC", tag.strip().lstrip("#")).lower()
            if not tag:
                continue
            if len(tag) > TAG_MAX or not _TAG.match(tag):
                raise UserError("error.bad_tag", tag=tag[:TAG_MAX], limit=TAG_MAX)
            if tag not in tags:
                tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise UserError("error.too_many_tags", limit=TAGS_MAX)
    return tuple(tags)


def split_tags(text: str) -> tuple[str, tuple[str, ...]]:
    """Separate ``#tags`` from the rest of a free text: ``("How do I…?", ("onboarding",))``."""
    tags = re.findall(r"(?:^|(?<=\s))#([^\s#]+)", text)
    rest = re.sub(r"(?:^|(?<=\s))#[^\s#]+", " ", text)
    return " ".join(rest.split()), clean_tags(tags)


def fold(text: str) -> str:
    """Lower-case and strip accents: what search indexes and compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))

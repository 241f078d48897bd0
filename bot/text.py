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
NOTES_MAX = 20  # per resource: every share of a known link may add one
TAG_MAX = 32
TAGS_MAX = 10
PROMPT_MAX = 500
QUERY_MAX = 200
STORED_REPLY_MAX = 8000  # thread replies are recorded, not refused; longer ones are cut

ANONYMOUS_FLAGS = ("--anonymous", "--anon", "--anonyme")

_MASS_MENTION = re.compile(
    r"@(?:everyone|here|channel)\b|<!(?:everyone|here|channel)(?:\|[^>]*)?>|<!subteam\^[^>]*>|<@&\d+>",
    re.IGNORECASE,
)
_ZWJ, _ZWNJ = "\u200d", "\u200c"
# Invisible, yet not format characters (Cf): they hide text as well.
_INVISIBLE = {"\u034f", "\u17b4", "\u17b5"}
# Visible nowhere, yet letters or symbols: text made only of these looks blank.
_BLANK_LOOKING = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}
# A subdivision flag (🏴 + tag letters + cancel tag) is the one use of tag characters.
_FLAG_TAGS = re.compile("\U0001f3f4[\U000e0030-\U000e0039\U000e0061-\U000e007a]{1,6}\U000e007f")
# What PostgreSQL text cannot hold (NUL) and no encoding can (lone surrogates).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_TAG = re.compile(r"^[\w][\w+\-.]*$")
# Variation selectors (emoji or text style, CJK glyphs) and Mongolian ones: (first, last).
_SELECTORS = (("\ufe00", "\ufe0f"), ("\U000e0100", "\U000e01ef"), ("\u180b", "\u180f"))
# The printable characters forbidden_char looks at: the selectors (marks, but for one format
# character) and the invisible marks.
_PRINTABLE_LOOKED_AT = re.compile(
    "[" + "".join(f"{first}-{last}" for first, last in _SELECTORS) + "".join(_INVISIBLE) + "]"
)


def _is_emoji_like(char: str) -> bool:
    return unicodedata.category(char) in {"So", "Sk", "Mn", "Me"}


def _is_selector(char: str) -> bool:
    return any(first <= char <= last for first, last in _SELECTORS)


def _selector_allowed(before: str, char: str) -> bool:
    """One selector picks a form of the character before it (emoji or text style, a CJK glyph).

    A run of them, or one after a space or a mark, only carries hidden data.
    """
    if not before or unicodedata.category(before)[0] in "MZC":
        return False
    if char >= "\U000e0100":
        return unicodedata.name(before, "").startswith("CJK")
    return True


def _joins_letters(before: str, after: str) -> bool:
    """Joiners shape Arabic and Indic letters; between Latin, Greek or Cyrillic ones they hide."""
    for char in (before, after):
        if not char or unicodedata.category(char)[0] not in "LM":
            return False
        if unicodedata.name(char, "").startswith(("LATIN", "GREEK", "CYRILLIC")):
            return False
    return True


def forbidden_char(text: str) -> str | None:
    """The first control or invisible character, except newlines, tabs and what emoji need."""
    # Most text has nothing to look at: each character printable (none of them a control,
    # format, private-use or surrogate one), apart from newlines and tabs, and none of the
    # printable ones looked at below. Checked in C: looking at each character in Python
    # took a quarter of a millisecond for 400 characters.
    plain = text.replace("\n", "").replace("\t", "")
    if plain.isprintable() and not _PRINTABLE_LOOKED_AT.search(plain):
        return None
    return _first_forbidden(text)


def _first_forbidden(text: str) -> str | None:
    text = _FLAG_TAGS.sub("\U0001f3f4", text)
    for index, char in enumerate(text):
        before, after = text[index - 1 : index], text[index + 1 : index + 2]
        category = unicodedata.category(char)
        if char in (_ZWJ, _ZWNJ):
            # Joins emoji into one (👩‍🏫) or shapes letters; anywhere else it only hides text.
            emoji = char == _ZWJ and before and after
            if emoji and _is_emoji_like(before) and _is_emoji_like(after):
                continue
            if _joins_letters(before, after):
                continue
            return char
        if _is_selector(char):
            if _selector_allowed(before, char):
                continue
            return char
        # Format characters (bidi marks and overrides, zero widths, tags) make text read
        # otherwise than it is stored.
        if category in {"Cf", "Co", "Cs"} or char in _INVISIBLE:
            return char
        if category == "Cc" and char not in "\n\t":
            return char
    return None


def looks_blank(text: str) -> bool:
    """Nothing a reader would see: spaces, marks alone, Hangul fillers, the braille blank."""
    return all(
        char.isspace() or char in _BLANK_LOOKING or unicodedata.category(char)[0] in "MZ"
        for char in text
    )


def clean(text: str, *, field: str, limit: int, required: bool = True) -> str:
    """Strip ``text`` and check it; return the text to store."""
    text = unicodedata.normalize("NFC", text or "").strip()
    if len(text) > limit:
        raise UserError("error.too_long", field=field, limit=limit, length=len(text))
    if forbidden_char(text) is not None:
        raise UserError("error.invisible_characters", field=field)
    if looks_blank(text):
        if required:
            raise UserError("error.empty", field=field)
        return ""
    if _MASS_MENTION.search(text):
        raise UserError("error.mass_mention", field=field)
    return text


def clean_reply(text: str) -> str:
    """A thread reply is recorded as it was said (it is already public), only storable and bounded."""
    text = _UNSTORABLE.sub("", text or "")
    return unicodedata.normalize("NFC", text).strip()[:STORED_REPLY_MAX]


def clean_tags(raw: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Tags lower-cased, without '#', de-duplicated in order."""
    tags: list[str] = []
    for item in raw:
        for tag in re.split(r"[\s,#]+", item or ""):
            tag = unicodedata.normalize("NFC", tag.strip()).lower()
            if not tag:
                continue
            if len(tag) > TAG_MAX or not _TAG.match(tag):
                raise UserError("error.bad_tag", tag=tag[:TAG_MAX], limit=TAG_MAX)
            if tag not in tags:
                tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise UserError("error.too_many_tags", limit=TAGS_MAX)
    return tuple(tags)


def _last_word(text: str) -> tuple[str, str]:
    """``("How do I", "#tag")`` from ``"How do I #tag"``; a loop, not a regex, for long texts."""
    start = len(text)
    while start and not text[start - 1].isspace():
        start -= 1
    return text[:start].rstrip(), text[start:]


def _first_word(text: str) -> tuple[str, str]:
    end = 0
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[:end], text[end:].lstrip()


def split_tags(text: str, *, leading: bool = False) -> tuple[str, tuple[str, ...]]:
    """Separate the ``#tags`` that end a text (and, with ``leading``, those that start it).

    ``#`` words inside the text stay there: "What does #1 mean?" asks about #1.
    Line breaks inside the text are kept.
    """
    rest, first, last = (text or "").strip(), [], []
    while leading and rest.startswith("#"):
        word, rest = _first_word(rest)
        first.append(word)
    while rest:
        head, word = _last_word(rest)
        if not word.startswith("#"):
            break
        last.insert(0, word)
        rest = head
    return rest, clean_tags(first + last)


_DETAILS_BAR = re.compile(r"(?:^|\s)\|(?:\s|$)")


def split_ask(text: str) -> tuple[str, str, tuple[str, ...], bool]:
    """``[--anonymous] <question> [| details] [#tag …]`` → (title, details, tags, anonymous).

    The flag is a whole word (``--anonyme`` is not ``--anon`` followed by "yme"); the bar
    stands between spaces (``a|b`` stays in the title); details keep their line breaks.
    """
    text = (text or "").strip()
    word, rest = _first_word(text)
    # Phones and word processors turn "--" into a dash.
    anonymous = word.lower().replace("—", "--").replace("–", "--") in ANONYMOUS_FLAGS
    if anonymous:
        text = rest
    bar = _DETAILS_BAR.search(text)
    title, details = (text[: bar.start()], text[bar.end() :]) if bar else (text, "")
    title, tags = split_tags(title)
    details, more_tags = split_tags(details)
    return " ".join(title.split()), details, tags + more_tags, anonymous


def fold(text: str) -> str:
    """Lower-case and strip accents: what search indexes and compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def excerpt(text: str, limit: int = 280) -> str:
    """A member's text on one line, cut with an ellipsis past ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

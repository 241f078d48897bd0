"""Translations: every message the bot shows, in French and English, from gettext catalogues.

The catalogues (``bot/locales/<lang>.po``) are keyed by message id, so that both
languages are full translations and a test can prove neither misses a message.
Templates use ``{name}`` placeholders; :func:`spans` fills them with spans so that
members' words stay plain text however the template is styled.
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources

from babel.messages.pofile import read_po

from bot.replies import Line, Span, plain

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"


@cache
def catalogue(language: str) -> dict[str, str]:
    with resources.files("bot").joinpath(f"locales/{language}.po").open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po) if m.id and m.string}


def language_for(community_language: str, locale: str | None = None) -> str:
    """The member's locale when the platform gives one we speak, else the community's."""
    if locale:
        base = locale.replace("_", "-").split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return community_language if community_language in LANGUAGES else DEFAULT_LANGUAGE


def template(language: str, key: str) -> str:
    text = catalogue(language).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key)
    if text is None:
        raise KeyError(f"no message {key!r} in the catalogues")
    return text


def t(language: str, key: str, **values: object) -> str:
    """The message ``key`` as plain text."""
    return template(language, key).format(**{k: _as_text(v) for k, v in values.items()})


def spans(language: str, key: str, **values: object) -> Line:
    """The message ``key`` as a line of spans; span values keep their style, others are plain."""
    line: list[Span] = []
    for literal, field, _spec, _conv in string.Formatter().parse(template(language, key)):
        if literal:
            line.append(plain(literal))
        if field is not None:
            value = values[field]
            line.append(value if isinstance(value, Span) else plain(_as_text(value)))
    return tuple(line)


def _as_text(value: object) -> str:
    return value.text if isinstance(value, Span) else str(value)

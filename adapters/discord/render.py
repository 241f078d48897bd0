"""Core messages as Discord payloads: content or an embed, and buttons, within Discord's limits.

A message with a title (a question card, a prompt, a digest) becomes an embed, so
that it reads as a card; a message without one is plain content. Members' words
are escaped (markdown and mentions) and every payload carries ``allowed_mentions``
none, so nothing the bot sends can ping anyone, even the mentions the core makes.
Text past Discord's limits is cut with "…" and a link to the thread it refers to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from discord.utils import escape_markdown, escape_mentions

from bot.replies import Button, ButtonStyle, Line, Message, Span, Style

CONTENT_MAX = 2000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
BUTTON_LABEL_MAX = 80
BUTTONS_PER_ROW = 5
ROWS_MAX = 5
THREAD_NAME_MAX = 100
CUSTOM_ID_MAX = 100
NO_MENTIONS: dict[str, list[str]] = {"parse": []}
EMBED_COLOUR = 0x3B82F6

_BUTTON_STYLES = {ButtonStyle.PRIMARY: 1, ButtonStyle.DEFAULT: 2, ButtonStyle.DANGER: 4}
_CUSTOM_ID_PREFIX = "entraide"
_SEPARATOR = "|"


@dataclass(frozen=True)
class Rendered:
    content: str
    embeds: tuple[dict[str, Any], ...] = ()
    components: tuple[dict[str, Any], ...] = ()

    def payload(self) -> dict[str, Any]:
        """The JSON body of a message create or edit: every field, so that an edit replaces all."""
        return {
            "content": self.content,
            "embeds": list(self.embeds),
            "components": list(self.components),
            "allowed_mentions": NO_MENTIONS,
        }


def to_discord(message: Message, guild_id: str) -> Rendered:
    """Render ``message`` for the server ``guild_id`` (its buttons and links carry the server)."""
    lines = [_markdown(_linked(line, guild_id)) for line in message.lines]
    pointer = f"→ {thread_url(guild_id, message.refers_to)}" if message.refers_to else None
    components = _components(message.buttons, guild_id)
    if message.title:
        title = _escape("".join(span.text for span in message.title))
        if len(title) > EMBED_TITLE_MAX:
            lines.insert(0, f"**{title}**")  # the whole title stays readable
            title = _cut(title, EMBED_TITLE_MAX)
        embed = {
            "title": title,
            "description": _fit(lines, EMBED_DESCRIPTION_MAX, pointer),
            "color": EMBED_COLOUR,
        }
        return Rendered("", (embed,), components)
    content = "\n".join(lines + ([pointer] if pointer else []))
    if len(content) <= CONTENT_MAX:
        return Rendered(content, (), components)
    # Too long for content: an embed holds twice as much before anything is cut.
    embed = {"description": _fit(lines, EMBED_DESCRIPTION_MAX, pointer), "color": EMBED_COLOUR}
    return Rendered("", (embed,), components)


def thread_url(guild_id: str, thread_id: str) -> str:
    """A link to a thread; a question's thread has the id of the question's message."""
    return f"https://discord.com/channels/{guild_id}/{thread_id}"


def thread_name(message: Message) -> str:
    """A thread or forum post name: the message's title, else its first line (plain text)."""
    text = "".join(span.text for span in message.title) or message.plain_text()
    first = " ".join(text.split("\n", 1)[0].split())
    return _cut(first, THREAD_NAME_MAX) or "Entraide"


def custom_id(guild_id: str, action: str, value: str) -> str:
    """A button's id: everything needed to handle a press, even after a restart or from a DM."""
    return _SEPARATOR.join((_CUSTOM_ID_PREFIX, guild_id, action, value))[:CUSTOM_ID_MAX]


def parse_custom_id(raw: str) -> tuple[str, str, str] | None:
    """``(guild id, action, value)`` of one of our buttons, else None."""
    parts = raw.split(_SEPARATOR, 3)
    if len(parts) != 4 or parts[0] != _CUSTOM_ID_PREFIX:
        return None
    return parts[1], parts[2], parts[3]


def _components(buttons: tuple[Button, ...], guild_id: str) -> tuple[dict[str, Any], ...]:
    items = [
        {
            "type": 2,
            "style": _BUTTON_STYLES[button.style],
            "label": _cut(button.label, BUTTON_LABEL_MAX),
            "custom_id": custom_id(guild_id, button.action, button.value),
        }
        for button in buttons[: BUTTONS_PER_ROW * ROWS_MAX]
    ]
    return tuple(
        {"type": 1, "components": items[start : start + BUTTONS_PER_ROW]}
        for start in range(0, len(items), BUTTONS_PER_ROW)
    )


def _linked(line: Line, guild_id: str) -> Line:
    """Links to messages (a question's card, whose thread has its id) as links to threads."""
    return tuple(
        Span(span.text, Style.LINK, thread_url(guild_id, span.target))
        if span.style is Style.MESSAGE and span.target
        else span
        for span in line
    )


def _markdown(line: Line) -> str:
    return "".join(_span(span) for span in line if span.text or span.target)


def _span(span: Span) -> str:
    match span.style:
        case Style.BOLD:
            return f"**{_escape(span.text)}**"
        case Style.ITALIC:
            return f"*{_escape(span.text)}*"
        case Style.CODE:
            # A backtick would end the code span early; its look-alike keeps the text whole.
            return f"`{span.text.replace('`', 'ˋ')}`"
        case Style.LINK:
            return _link(span.text, span.target or span.text)
        case Style.MENTION if span.target and span.target.isdigit():
            return f"<@{span.target}>"  # shows the member's name; allowed_mentions none: no ping
        case Style.CHANNEL if span.target and span.target.isdigit():
            return f"<#{span.target}>"
        case Style.MENTION:
            return _escape(f"@{span.text}")
        case Style.CHANNEL:
            return _escape(f"#{span.text}")
    return _escape(span.text)


def _link(text: str, url: str) -> str:
    url = url.replace(" ", "%20").replace(")", "%29").replace(">", "%3E")
    if text == url or not text:
        return url
    label = _escape(text).replace("[", "(").replace("]", ")")
    return f"[{label}]({url})"


def _escape(text: str) -> str:
    """Members' words as they typed them: no markdown, no live mention (a zero-width space breaks it)."""
    return escape_mentions(escape_markdown(text))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fit(lines: list[str], limit: int, pointer: str | None) -> str:
    """Whole lines while they fit; the rest is cut with "…", and the pointer is always kept."""
    tail = [pointer] if pointer else []
    whole = "\n".join(lines + tail)
    if len(whole) <= limit:
        return whole
    budget = limit - len("\n".join(["…", *tail])) - 1
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) > budget:
            room = budget - used
            if room > 0:
                kept.append(line[:room].rstrip())
            break
        kept.append(line)
        used += len(line) + 1
    body = "\n".join(kept).rstrip() + "…"
    return "\n".join([body, *tail])

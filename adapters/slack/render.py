"""Core replies as Block Kit: member text escaped, mentions only where the core made them.

Slack rejects a message that breaks its limits (``invalid_blocks``,
``msg_blocks_too_long``), so this module owns them: a long line is split across
sections, and what does not fit in one message is cut with "…" and handed back
as ``overflow``, for the caller to post in the thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.replies import Button, ButtonStyle, Line, Message, Span, Style

SECTION_MAX = 3000  # characters of one section's text
BLOCKS_MAX = 50
BLOCKS_TEXT_MAX = 11_000  # Slack refuses ~12,000 characters across all blocks (undocumented)
BUTTONS_PER_BLOCK = 25
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
ACTION_ID_MAX = 255
FALLBACK_MAX = 3000  # the notification text; Slack allows 40,000 but shows far less
CUT = "…"
SEE_THREAD = "… 🧵"  # the rest follows in the thread
_SECTION_ROOM = SECTION_MAX - len(SEE_THREAD)  # so that a cut marker always fits

_SLACK_ID = re.compile(r"^[A-Z0-9]{2,32}$")
_WRAPPERS = {Style.BOLD: "*", Style.ITALIC: "_", Style.CODE: "`"}
_TEXTUAL = {Style.PLAIN, *_WRAPPERS}


@dataclass(frozen=True)
class SlackMessage:
    text: str  # the plain fallback Slack shows in notifications
    blocks: list[dict]
    overflow: tuple[str, ...] = ()  # mrkdwn that did not fit, for the next message

    def payload(self) -> dict:
        return {"text": self.text, "blocks": self.blocks}


def escape(text: str) -> str:
    """Slack's three control characters: what makes ``<!channel>`` typed by a member inert."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_slack(
    message: Message, permalink: str | None = None, thread_follows: bool = False
) -> SlackMessage:
    """Block Kit for ``message``; ``permalink`` is the link for ``refers_to``.

    ``thread_follows`` says the caller posts the overflow in the thread (see
    :func:`continuation`), so the cut points there.
    """
    tail = [_context(f"→ <{_url(permalink)}>")] if permalink else []
    tail += _actions(message.buttons)
    lines = ([message.title] if message.title else []) + list(message.lines)
    pieces = [piece for line in lines for piece in split_line(line, _SECTION_ROOM) or [""]]
    return _packed(pieces, tail, SEE_THREAD if thread_follows else CUT)


def with_permalinks(message: Message, permalinks: dict[str, str]) -> Message:
    """Links to messages (``Style.MESSAGE``) as links to their permalinks, which only Slack
    knows (``chat.getPermalink``); those without one stay plain text."""

    def line(spans: Line) -> Line:
        return tuple(
            Span(span.text, Style.LINK, permalinks[span.target])
            if span.style is Style.MESSAGE and span.target in permalinks
            else span
            for span in spans
        )

    return replace(message, title=line(message.title), lines=tuple(map(line, message.lines)))


def linked_messages(message: Message) -> list[str]:
    """The messages a message links to, each once."""
    found = [
        span.target
        for spans in (message.title, *message.lines)
        for span in spans
        if span.style is Style.MESSAGE and span.target
    ]
    return list(dict.fromkeys(found))


def continuation(overflow: tuple[str, ...]) -> SlackMessage:
    """The next message of one too long for Slack, in its thread."""
    return _packed(list(overflow), [], SEE_THREAD)


def _packed(pieces: list[str], tail: list[dict], marker: str) -> SlackMessage:
    """Pieces in as few sections as fit, within the blocks' limits; the rest as overflow."""
    room_blocks = BLOCKS_MAX - len(tail)
    room_text = BLOCKS_TEXT_MAX - sum(len(str(block)) for block in tail)
    sections: list[str] = []
    overflow: tuple[str, ...] = ()
    for index, piece in enumerate(pieces):
        if len(piece) < room_text:
            if sections and len(sections[-1]) + 1 + len(piece) <= _SECTION_ROOM:
                sections[-1] += "\n" + piece
                room_text -= len(piece) + 1
                continue
            if len(sections) < room_blocks:
                sections.append(piece)
                room_text -= len(piece)
                continue
        overflow = tuple(pieces[index:])
        if sections:
            sections[-1] += marker  # _SECTION_ROOM kept the room for it
        else:
            sections.append(marker)
        break
    blocks = [_section(text) for text in sections if text.strip()] + tail
    return SlackMessage(_cut("\n".join(sections), FALLBACK_MAX), blocks, overflow)


def split_line(line: Line, limit: int) -> list[str]:
    """A line as mrkdwn pieces of at most ``limit`` characters, never splitting an entity or a link."""
    pieces: list[str] = []
    current = ""
    for span in line:
        rendered = span_mrkdwn(span)
        if len(current) + len(rendered) <= limit:
            current += rendered
            continue
        if span.style not in _TEXTUAL:
            if len(rendered) <= limit:
                # A mention or a link is kept whole: it moves to the next piece.
                if current:
                    pieces.append(current)
                current = rendered
                continue
            span = Span(span.text)  # too long to be a link: its words, split like any text
        wrapper = 2 * len(_WRAPPERS.get(span.style, ""))
        chunk = ""
        for char in span.text:
            escaped = escape(char)
            if len(current) + wrapper + len(chunk) + len(escaped) > limit:
                current += _styled(span.style, chunk, escaped=True) if chunk else ""
                pieces.append(current)
                current, chunk = "", ""
            chunk += escaped
        current += _styled(span.style, chunk, escaped=True) if chunk else ""
    if current:
        pieces.append(current)
    return pieces


def span_mrkdwn(span: Span) -> str:
    """One span as mrkdwn: member words escaped; mentions and channels only from ids the core gave."""
    match span.style:
        case Style.MENTION if span.target and _SLACK_ID.match(span.target):
            return f"<@{span.target}>"
        case Style.CHANNEL if span.target and _SLACK_ID.match(span.target):
            return f"<#{span.target}>"
        case Style.MENTION:
            return escape(f"@{span.text}")
        case Style.CHANNEL:
            return escape(f"#{span.text}")
        case Style.LINK if span.target:
            return f"<{_url(span.target)}|{escape(span.text)}>"
        case Style.LINK | Style.MESSAGE:
            return escape(span.text)  # a message link without its permalink (SlackChat.linked)
    return _styled(span.style, span.text)


def _styled(style: Style, text: str, escaped: bool = False) -> str:
    """``*bold*``: Slack only styles when the marks touch the words, so spaces go outside."""
    text = text if escaped else escape(text)
    mark = _WRAPPERS.get(style)
    if not mark or not text.strip():
        return text
    core = text.strip()
    start = text.index(core)
    return f"{text[:start]}{mark}{core}{mark}{text[start + len(core) :]}"


def _url(url: str) -> str:
    return escape(url).replace("|", "%7C")


def _cut(text: str, limit: int) -> str:
    """``text`` within ``limit``, cut with "…" but never inside an entity or a link."""
    if len(text) <= limit:
        return text
    cut = limit - len(CUT)
    opening, entity = text.rfind("<", 0, cut), text.rfind("&", 0, cut)
    if opening > text.rfind(">", 0, cut):
        cut = opening
    if entity > text.rfind(";", 0, cut):
        cut = min(cut, entity)
    return text[:cut] + CUT


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _actions(buttons: tuple[Button, ...]) -> list[dict]:
    elements = [_button(button, index) for index, button in enumerate(buttons)]
    return [
        {"type": "actions", "elements": elements[start : start + BUTTONS_PER_BLOCK]}
        for start in range(0, len(elements), BUTTONS_PER_BLOCK)
    ]


def _button(button: Button, index: int) -> dict:
    label = button.label.strip() or button.action
    if len(label) > BUTTON_TEXT_MAX:
        label = label[: BUTTON_TEXT_MAX - 1] + CUT
    element = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        # Unique within the message even when two buttons share an action.
        "action_id": action_id(button.action, index),
        "value": button.value[:BUTTON_VALUE_MAX],
    }
    if button.style is not ButtonStyle.DEFAULT:
        element["style"] = button.style.value
    return element


def action_id(action: str, index: int) -> str:
    suffix = f"|{index}"
    return action[: ACTION_ID_MAX - len(suffix)] + suffix


def action_of(action_id: str) -> str:
    """The core's action name back from a button's ``action_id``."""
    return action_id.rpartition("|")[0] or action_id

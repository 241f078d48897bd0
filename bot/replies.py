"""The structured reply model: what the core says, before any platform renders it.

Text is made of spans so that renderers know which parts came from members
(always plain text, escaped by the renderer, never able to ping) and which are
mentions the core chose to make.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Style(StrEnum):
    PLAIN = "plain"
    BOLD = "bold"
    ITALIC = "italic"
    CODE = "code"
    LINK = "link"
    MENTION = "mention"  # target is a member id; text is the fallback display name
    CHANNEL = "channel"  # target is a channel id
    MESSAGE = "message"  # target is a message id (a question's card); each platform links to it


@dataclass(frozen=True)
class Span:
    text: str
    style: Style = Style.PLAIN
    target: str | None = None


def plain(text: str) -> Span:
    return Span(text)


def bold(text: str) -> Span:
    return Span(text, Style.BOLD)


def italic(text: str) -> Span:
    return Span(text, Style.ITALIC)


def code(text: str) -> Span:
    return Span(text, Style.CODE)


def link(url: str, text: str | None = None) -> Span:
    return Span(text or url, Style.LINK, url)


def mention(member_id: str, name: str = "") -> Span:
    return Span(name or member_id, Style.MENTION, member_id)


def channel(channel_id: str) -> Span:
    return Span(channel_id, Style.CHANNEL, channel_id)


def message_link(message_id: str, text: str) -> Span:
    """``text`` as a link to one of the bot's messages (round-ups list several questions,
    where ``Message.refers_to`` points at one)."""
    return Span(text, Style.MESSAGE, message_id)


Line = tuple[Span, ...]


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Button:
    """A button; pressing it comes back to the core as ``ButtonPressed(action, value)``."""

    label: str
    action: str
    value: str
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True)
class Message:
    """One message: an optional title, lines of spans, and buttons.

    ``private`` replies are shown only to the member who acted (Slack ephemeral,
    Discord ephemeral, the console prints them with a lock).
    """

    lines: tuple[Line, ...]
    title: Line = ()
    buttons: tuple[Button, ...] = field(default=())
    private: bool = False
    refers_to: str | None = None  # a message this one points at; renderers add a link to it
    opens_thread: bool = False  # members answer it in its thread (question cards, prompts)
    status: str | None = None  # a question card's lifecycle state ("open", "resolved", …)
    tags: tuple[str, ...] = ()  # a question card's tags: a forum shows its own tags of that name

    def plain_text(self) -> str:
        """Everything the message says, as plain text: for logs, tests and fallbacks."""
        parts = ["".join(s.text for s in self.title)] if self.title else []
        parts += ["".join(s.text for s in line) for line in self.lines]
        return "\n".join(parts)


def private(*lines: Line, buttons: tuple[Button, ...] = ()) -> Message:
    return Message(lines=tuple(lines), buttons=buttons, private=True)


def to_json(message: Message) -> dict:
    """A message as plain data, to keep in the database until it is delivered."""

    def line(spans: Line) -> list[list]:
        return [[s.text, s.style.value, s.target] for s in spans]

    return {
        "title": line(message.title),
        "lines": [line(spans) for spans in message.lines],
        "buttons": [[b.label, b.action, b.value, b.style.value] for b in message.buttons],
        "private": message.private,
        "refers_to": message.refers_to,
        "opens_thread": message.opens_thread,
        "status": message.status,
        "tags": list(message.tags),
    }


def from_json(data: dict) -> Message:
    """The message :func:`to_json` kept."""

    def line(spans: list[list]) -> Line:
        return tuple(Span(text, Style(style), target) for text, style, target in spans)

    return Message(
        title=line(data["title"]),
        lines=tuple(line(spans) for spans in data["lines"]),
        buttons=tuple(
            Button(label, action, value, ButtonStyle(style))
            for label, action, value, style in data["buttons"]
        ),
        private=data["private"],
        refers_to=data["refers_to"],
        opens_thread=data["opens_thread"],
        status=data["status"],
        tags=tuple(data.get("tags") or ()),
    )

"""Core replies as terminal text."""

from __future__ import annotations

from collections.abc import Callable

from bot.replies import Message, Span, Style

_STYLES = {
    Style.PLAIN: "{}",
    Style.BOLD: "*{}*",
    Style.ITALIC: "_{}_",
    Style.CODE: "`{}`",
    Style.LINK: "{}",
    Style.CHANNEL: "#{}",
}


def span_text(span: Span, where: Callable[[str], str | None] = lambda _id: None) -> str:
    if span.style is Style.MENTION:
        return f"@{span.text}"
    if span.style is Style.LINK:
        return span.target or span.text
    if span.style is Style.MESSAGE:
        number = where(span.target or "")
        return f"{span.text} ({number})" if number else span.text
    return _STYLES[span.style].format(span.text)


def to_text(
    message: Message,
    refers_to: str | None = None,
    where: Callable[[str], str | None] = lambda _id: None,
) -> list[str]:
    """The message's lines; buttons shown with the line that presses them (``!action value``).
    ``where`` names a message the text links to (``#3``)."""
    lines = []
    if message.title:
        lines.append("".join(span_text(s, where) for s in message.title))
    lines += ["".join(span_text(s, where) for s in line) for line in message.lines]
    if refers_to:
        lines.append(f"→ {refers_to}")
    for button in message.buttons:
        lines.append(f"[{button.label}]  type: !{button.action} {button.value}")
    return lines

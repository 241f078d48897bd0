"""What the tests of the question loop read back: round-ups, routed requests, nudges."""

from __future__ import annotations

from bot.replies import Message, Style
from tests.conftest import Community
from tests.fakes import Posted


def roundups(community: Community, channel: str = "help") -> list[Posted]:
    """The round-ups posted in a channel."""
    return [
        p
        for p in community.chat.posts_in(channel)
        if p.message.title and "waiting for an answer" in p.text
    ]


def listed(message: Message | Posted) -> list[str]:
    """The questions' messages a round-up links to, in order."""
    message = message.message if isinstance(message, Posted) else message
    return [s.target for line in message.lines for s in line if s.style is Style.MESSAGE]


def private_to(community: Community, member: str, title: str) -> list[Message]:
    """The private messages a member got whose title contains ``title``."""
    return [
        message
        for who, message in community.chat.private
        if who == member and title in "".join(s.text for s in message.title)
    ]


def requests(community: Community) -> list[tuple[str, Message]]:
    """Every routed request sent: (member, message)."""
    return [
        (who, message)
        for who, message in community.chat.private
        if "Could you help" in "".join(s.text for s in message.title)
    ]


def asked(community: Community, number: int | None = None) -> list[str]:
    """Who was asked to help (with question ``number``, or any), in order."""
    return [
        who
        for who, message in requests(community)
        if number is None or f"Q{number}?" in "".join(s.text for s in message.title)
    ]


def button(message: Message, action: str):
    return next(b for b in message.buttons if b.action == action)

"""The outbound port: how the core posts where nobody is waiting for a reply.

Each adapter implements :class:`Chat`. Message ids are opaque strings that are
unique within a community (the Slack adapter, whose ``ts`` is only unique per
channel, makes them so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.replies import Message


@dataclass(frozen=True)
class FetchedMessage:
    message_id: str
    channel_id: str
    author_id: str
    text: str


class ChatError(Exception):
    """A post failed for good (unknown channel, no access): reported, never retried."""


class Chat(Protocol):
    async def post(
        self, community_id: str, channel_id: str, message: Message, thread_id: str | None = None
    ) -> str:
        """Post publicly in a channel, or in the thread of ``thread_id``; return the new id.

        Adapters MUST open the thread if the platform needs one (Discord).
        """

    async def edit(
        self, community_id: str, channel_id: str, message_id: str, message: Message
    ) -> None:
        """Replace a message the bot posted."""

    async def add_reaction(
        self, community_id: str, channel_id: str, message_id: str, emoji: str
    ) -> None:
        """React as the bot, e.g. to mark an accepted answer."""

    async def send_private(self, community_id: str, member_id: str, message: Message) -> None:
        """Tell one member privately (direct message)."""

    async def fetch_message(
        self, community_id: str, channel_id: str, message_id: str
    ) -> FetchedMessage | None:
        """Read a message (author and text), or None when it is gone or unreadable."""

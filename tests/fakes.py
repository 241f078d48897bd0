"""A recording chat for core tests: the outbound port as a platform would see it."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

from bot.ports import ChatError, ChatUnavailable, FetchedMessage
from bot.replies import Message


@dataclass
class Posted:
    message_id: str
    channel_id: str
    message: Message
    thread_id: str | None = None
    key: str | None = None

    @property
    def text(self) -> str:
        return self.message.plain_text()


class FakeChat:
    """Records every post, edit, reaction and private message; can be told to fail."""

    def __init__(self) -> None:
        self.posts: list[Posted] = []
        self.edits: list[tuple[str, Message]] = []
        self.reactions: list[tuple[str, str]] = []
        self.private: list[tuple[str, Message]] = []
        self.messages: dict[str, FetchedMessage] = {}
        self.failing_channels: set[str] = set()  # refuse for good (channel_not_found)
        self.unavailable_channels: set[str] = set()  # the platform is down for now
        self.lost_answers: set[str] = set()  # the post is made, but its answer never arrives
        self.answer_after: asyncio.Event | None = None  # a slow platform: posts wait for it
        self._ids = itertools.count(1)

    def new_id(self) -> str:
        return f"m{next(self._ids)}"

    def member_message(self, channel_id: str, author_id: str, text: str) -> str:
        """A message a member wrote (so that fetch_message finds it)."""
        message_id = self.new_id()
        self.messages[message_id] = FetchedMessage(message_id, channel_id, author_id, text)
        return message_id

    async def post(self, community_id, channel_id, message, thread_id=None, *, key=None) -> str:
        if channel_id in self.failing_channels:
            raise ChatError.refusal("channel_not_found")
        if channel_id in self.unavailable_channels:
            raise ChatUnavailable("HTTP 503")
        posted = Posted(self.new_id(), channel_id, message, thread_id, key)
        self.posts.append(posted)
        self.messages[posted.message_id] = FetchedMessage(
            posted.message_id, channel_id, "bot", posted.text
        )
        if self.answer_after is not None:
            await self.answer_after.wait()
        if channel_id in self.lost_answers:
            raise ChatUnavailable("connection reset before the answer")
        return posted.message_id

    async def edit(self, community_id, channel_id, message_id, message) -> None:
        self.edits.append((message_id, message))

    async def add_reaction(self, community_id, channel_id, message_id, emoji) -> None:
        self.reactions.append((message_id, emoji))

    async def send_private(self, community_id, member_id, message, *, key=None) -> str:
        self.private.append((member_id, message))
        return self.new_id()

    async def find_post(
        self, community_id, channel_id, key, since, thread_id=None, member_id=None, message=None
    ) -> str | None:
        return next((p.message_id for p in self.posts if key and p.key == key), None)

    async def fetch_message(self, community_id, channel_id, message_id):
        return self.messages.get(message_id)

    def posts_in(self, channel_id: str) -> list[Posted]:
        return [p for p in self.posts if p.channel_id == channel_id and p.thread_id is None]

    def last_edit(self, message_id: str) -> Message:
        return [m for i, m in self.edits if i == message_id][-1]

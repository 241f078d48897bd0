"""The core's one Chat in ``entraide run``: each post goes to the adapter of the community's platform."""

from __future__ import annotations

from datetime import datetime

from bot.ports import Chat, ChatError, FetchedMessage
from bot.replies import Message


def platform_of(community_id: str) -> str:
    """``slack:T0123`` → ``slack``; a community id without a prefix (``console``) is its own platform."""
    return community_id.split(":", 1)[0]


class RoutingChat:
    def __init__(self) -> None:
        self._chats: dict[str, Chat] = {}

    def add(self, platform: str, chat: Chat) -> None:
        self._chats[platform] = chat

    def _chat(self, community_id: str) -> Chat:
        chat = self._chats.get(platform_of(community_id))
        if chat is None:
            raise ChatError(f"no adapter is running for {platform_of(community_id)!r}")
        return chat

    async def post(
        self,
        community_id: str,
        channel_id: str,
        message: Message,
        thread_id: str | None = None,
        *,
        key: str | None = None,
    ) -> str:
        return await self._chat(community_id).post(
            community_id, channel_id, message, thread_id, key=key
        )

    async def find_post(
        self,
        community_id: str,
        channel_id: str | None,
        key: str,
        since: datetime,
        thread_id: str | None = None,
        member_id: str | None = None,
        message: Message | None = None,
    ) -> str | None:
        return await self._chat(community_id).find_post(
            community_id,
            channel_id,
            key,
            since,
            thread_id=thread_id,
            member_id=member_id,
            message=message,
        )

    async def edit(
        self, community_id: str, channel_id: str, message_id: str, message: Message
    ) -> None:
        await self._chat(community_id).edit(community_id, channel_id, message_id, message)

    async def add_reaction(
        self, community_id: str, channel_id: str, message_id: str, emoji: str
    ) -> None:
        await self._chat(community_id).add_reaction(community_id, channel_id, message_id, emoji)

    async def send_private(
        self, community_id: str, member_id: str, message: Message, *, key: str | None = None
    ) -> str | None:
        return await self._chat(community_id).send_private(
            community_id, member_id, message, key=key
        )

    async def fetch_message(
        self, community_id: str, channel_id: str, message_id: str
    ) -> FetchedMessage | None:
        return await self._chat(community_id).fetch_message(community_id, channel_id, message_id)

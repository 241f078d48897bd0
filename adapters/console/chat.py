"""The console's chat: messages numbered ``#N`` and printed; the core's outbound port."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from adapters.console.render import to_text
from bot.ports import ChatError, FetchedMessage
from bot.replies import Message

BOT_NAME = "entraide"


@dataclass
class ConsoleMessage:
    number: int
    channel_id: str
    author: str
    text: str
    thread_root: int | None = None
    key: str | None = None  # the delivery's idempotency key, for the bot's own posts


class ConsoleChat:
    """Keeps this session's messages; message ids are ``<session>:<N>`` so that runs never collide."""

    def __init__(self, session: str, write: Callable[[str], None] = print) -> None:
        self.session = session
        self.write = write
        self.messages: dict[int, ConsoleMessage] = {}
        self._numbers = itertools.count(1)

    def message_id(self, number: int) -> str:
        return f"{self.session}:{number}"

    def number(self, message_id: str) -> int | None:
        session, _, number = message_id.rpartition(":")
        return int(number) if session == self.session and number.isdigit() else None

    def record(
        self,
        channel_id: str,
        author: str,
        text: str,
        thread_root: int | None,
        key: str | None = None,
    ) -> ConsoleMessage:
        message = ConsoleMessage(next(self._numbers), channel_id, author, text, thread_root, key)
        self.messages[message.number] = message
        return message

    def show(self, message: ConsoleMessage, lines: list[str] | None = None) -> None:
        where = f"#{message.channel_id}" + (
            f" ↳ #{message.thread_root}" if message.thread_root else ""
        )
        lines = lines if lines is not None else message.text.splitlines() or [""]
        self.write(f"#{message.number} [{where}] {message.author}: {lines[0]}")
        for line in lines[1:]:
            self.write(f"    {line}")

    def show_private(self, member: str, message: Message) -> None:
        lines = to_text(message, self._refers_to(message), self._where)
        self.write(f"🔒 {BOT_NAME} → {member}: {lines[0] if lines else ''}")
        for line in lines[1:]:
            self.write(f"    {line}")

    def _refers_to(self, message: Message) -> str | None:
        return self._where(message.refers_to) if message.refers_to else None

    def _where(self, message_id: str) -> str | None:
        number = self.number(message_id)
        return f"#{number}" if number else None

    def _existing(self, message_id: str) -> ConsoleMessage:
        number = self.number(message_id)
        if number is None or number not in self.messages:
            raise ChatError(f"message {message_id} is not in this console session")
        return self.messages[number]

    # -- the Chat port ------------------------------------------------------

    async def post(
        self,
        community_id: str,
        channel_id: str,
        message: Message,
        thread_id: str | None = None,
        *,
        key: str | None = None,
    ) -> str:
        root = self._existing(thread_id) if thread_id else None
        lines = to_text(message, self._refers_to(message), self._where)
        posted = self.record(
            root.channel_id if root else channel_id,
            BOT_NAME,
            "\n".join(lines),
            root.number if root else None,
            key,
        )
        self.show(posted, lines)
        return self.message_id(posted.number)

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
        found = next((m for m in self.messages.values() if m.key == key), None)
        return self.message_id(found.number) if found else None

    async def edit(
        self, community_id: str, channel_id: str, message_id: str, message: Message
    ) -> None:
        existing = self._existing(message_id)
        before, after = existing.text.splitlines(), to_text(message, where=self._where)
        existing.text = "\n".join(after)
        # Only what changed: a whole card again at every edit would drown the conversation.
        changed = [line for line in after if line not in before]
        if changed:
            self.write(f"✎ #{existing.number} updated: " + " · ".join(changed))

    async def add_reaction(
        self, community_id: str, channel_id: str, message_id: str, emoji: str
    ) -> None:
        self.write(f"  {BOT_NAME} reacted :{emoji}: to #{self._existing(message_id).number}")

    async def send_private(
        self, community_id: str, member_id: str, message: Message, *, key: str | None = None
    ) -> str | None:
        self.show_private(member_id, message)
        return None

    async def fetch_message(
        self, community_id: str, channel_id: str, message_id: str
    ) -> FetchedMessage | None:
        number = self.number(message_id)
        found = self.messages.get(number) if number else None
        if found is None:
            return None
        return FetchedMessage(message_id, found.channel_id, found.author, found.text)

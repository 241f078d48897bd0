"""The recorder: a platform for `entraide run` without Slack or Discord, and for counting posts in tests.

Every post of the console community is appended to a file as one JSON line. The
file is opened in append mode for each post, so several processes can share it.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from pathlib import Path

from adapters.console.render import to_text
from bot.ports import FetchedMessage
from bot.replies import Message

PLATFORM = "console"


class RecordingChat:
    def __init__(self, path: Path, delay_seconds: float = 0) -> None:
        self.path = path
        self.delay_seconds = delay_seconds

    async def _record(self, **entry) -> str:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)  # a slow platform
        entry["id"] = uuid.uuid4().hex
        entry["pid"] = os.getpid()
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        # One write per line on an O_APPEND file: lines from several processes never interleave.
        await asyncio.to_thread(self._append, line.encode())
        return entry["id"]

    def _append(self, data: bytes) -> None:
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, data)
        finally:
            os.close(descriptor)

    async def post(
        self, community_id: str, channel_id: str, message: Message, thread_id: str | None = None
    ) -> str:
        return await self._record(
            kind="post",
            community=community_id,
            channel=channel_id,
            thread=thread_id,
            text="\n".join(to_text(message)),
        )

    async def edit(
        self, community_id: str, channel_id: str, message_id: str, message: Message
    ) -> None:
        await self._record(
            kind="edit",
            community=community_id,
            channel=channel_id,
            message=message_id,
            text="\n".join(to_text(message)),
        )

    async def add_reaction(
        self, community_id: str, channel_id: str, message_id: str, emoji: str
    ) -> None:
        await self._record(
            kind="reaction",
            community=community_id,
            channel=channel_id,
            message=message_id,
            emoji=emoji,
        )

    async def send_private(self, community_id: str, member_id: str, message: Message) -> None:
        await self._record(
            kind="private",
            community=community_id,
            member=member_id,
            text="\n".join(to_text(message)),
        )

    async def fetch_message(
        self, community_id: str, channel_id: str, message_id: str
    ) -> FetchedMessage | None:
        return None  # the recorder keeps no readable history


class RecorderAdapter:
    """The Adapter port over a :class:`RecordingChat`; it receives no events."""

    platform = PLATFORM

    def __init__(self, path: Path, delay_seconds: float = 0) -> None:
        self.chat = RecordingChat(path, delay_seconds)
        self.connected = False

    async def start(self) -> None:
        self.connected = True

    async def stop(self) -> None:
        self.connected = False

"""The recorder: a platform for `entraide run` without Slack or Discord, and for counting posts in tests.

Every post of the console community is appended to a file as one JSON line. The
file is locked for each write, so several processes can share it. Like Discord
with an enforced nonce, a post made again with the key of a post already in the
file makes nothing new: its id is returned, and a ``replay`` line says so.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from adapters.console.render import to_text
from bot.ports import FetchedMessage
from bot.replies import Message

PLATFORM = "console"


class RecordingChat:
    def __init__(self, path: Path, delay_seconds: float = 0) -> None:
        self.path = path
        self.delay_seconds = delay_seconds
        self._read_up_to = 0  # bytes of the file already read for keys
        self._keys: dict[str, str] = {}  # key → id of the post made with it

    async def _record(self, **entry) -> str:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)  # a slow platform
        entry["id"] = uuid.uuid4().hex
        entry["pid"] = os.getpid()
        return await asyncio.to_thread(self._append, entry)

    def _append(self, entry: dict) -> str:
        with self._locked() as file:
            key = entry.get("key")
            if key and key in self._keys:
                replay = {"kind": "replay", "key": key, "id": self._keys[key], "pid": os.getpid()}
                file.write((json.dumps(replay) + "\n").encode())
                return self._keys[key]
            file.write((json.dumps(entry, ensure_ascii=False) + "\n").encode())
            if key:
                self._keys[key] = entry["id"]
            return entry["id"]

    @contextmanager
    def _locked(self) -> Iterator[BinaryIO]:
        """The file, opened for appending and locked against the other processes, with the
        keys of what they wrote since this one last looked."""
        with open(self.path, "a+b") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                file.seek(self._read_up_to)
                for line in file.read().splitlines():
                    written = json.loads(line)
                    if written.get("key") and written.get("kind") != "replay":
                        self._keys.setdefault(written["key"], written["id"])
                yield file
            finally:
                file.flush()
                self._read_up_to = file.tell()
                fcntl.flock(file, fcntl.LOCK_UN)

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
        def look() -> str | None:
            with self._locked():
                return self._keys.get(key)

        return await asyncio.to_thread(look)

    async def post(
        self,
        community_id: str,
        channel_id: str,
        message: Message,
        thread_id: str | None = None,
        *,
        key: str | None = None,
    ) -> str:
        return await self._record(
            kind="post",
            community=community_id,
            channel=channel_id,
            thread=thread_id,
            key=key,
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

    async def send_private(
        self, community_id: str, member_id: str, message: Message, *, key: str | None = None
    ) -> str | None:
        return await self._record(
            kind="private",
            community=community_id,
            member=member_id,
            key=key,
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

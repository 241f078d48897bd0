"""Real `entraide run` processes on a real database, posting to the recorder.

The recorder is a JSON-lines file the processes share, so that tests can count what was
posted. Waits poll a condition with a deadline: these are processes, not coroutines.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bot.domain import CommunitySettings, ScheduleKind
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store
from tests.running import Running

COMMUNITY = "console"


async def migrated(url: str) -> str:
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()
    return url


async def schedule_due(url: str, channels: list[str], due_ago: timedelta) -> None:
    """Weekly prompt schedules whose latest occurrence was ``due_ago`` ago (created the week before)."""
    now = datetime.now(UTC)
    due = (now - due_ago).replace(second=0, microsecond=0)
    engine = create_engine(url)
    async with Store(engine).transaction() as tx:
        await tx.communities.settings(
            CommunitySettings(community_id=COMMUNITY), now - timedelta(days=8)
        )
        for channel in channels:
            await tx.practice.set_schedule(
                COMMUNITY,
                ScheduleKind.PROMPT,
                channel,
                due.weekday(),
                due.strftime("%H:%M"),
                "UTC",
                now - timedelta(days=8),
            )
    await engine.dispose()


async def occurrence_statuses(url: str) -> list[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        statuses = list(
            (await conn.execute(text("SELECT status FROM occurrences ORDER BY id"))).scalars()
        )
    await engine.dispose()
    return statuses


async def delivery_statuses(url: str) -> list[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        statuses = list(
            (await conn.execute(text("SELECT status FROM deliveries ORDER BY id"))).scalars()
        )
    await engine.dispose()
    return statuses


async def deliveries_are(url: str, expected: list[str]) -> bool:
    return await delivery_statuses(url) == expected


class Instance(Running):
    """One `entraide run` process posting to the recorder at ``posts``."""

    def __init__(
        self,
        url: str,
        posts: Path,
        delay: float = 0,
        lease: float = 2,
        env: dict[str, str] | None = None,
    ) -> None:
        extra = env or {}
        env = {k: v for k, v in os.environ.items() if not k.startswith("ENTRAIDE_")}
        env |= {
            "ENTRAIDE_DATABASE_URL": url,
            "ENTRAIDE_RECORDER__PATH": str(posts),
            "ENTRAIDE_RECORDER__DELAY_SECONDS": str(delay),
            "ENTRAIDE_HEALTH__PORT": "0",
            "ENTRAIDE_SCHEDULING__TICK_SECONDS": "0.3",
            "ENTRAIDE_SCHEDULING__CLAIM_LEASE_SECONDS": str(lease),
        } | extra
        super().__init__([sys.executable, "-m", "bot.runtime.cli", "run"], env)
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The health server's port, once the process has said it."""
        if self._port is None:
            self._port = int(self.printed(r":(\d+)/healthz").group(1))
        return self._port

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}{path}", timeout=5
            ) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def posts(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def eventually(condition, timeout: float = 20, blocking: bool = False):
    """Poll ``condition`` until it holds; ``blocking`` conditions (HTTP to the process) run in a
    thread, so that this test's own servers (a proxy) keep answering meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        result = await asyncio.to_thread(condition) if blocking else condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(0.1)

"""Fixtures: a migrated database on SQLite and, when ``ENTRAIDE_TEST_POSTGRES_URL`` is set, on PostgreSQL.

Tests that take ``db`` run on both. Each PostgreSQL test run creates its own
database and drops it at the end, whatever earlier runs left on the server.
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

import storage.web_tables  # noqa: F401  (the web side's tables join the metadata)
from bot.clock import ManualClock
from bot.commands import (
    Actor,
    ButtonPressed,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    SlashCommand,
)
from bot.core import Core
from bot.delivery.deliverer import Deliverer
from bot.domain import CommunitySettings
from bot.prompts import load_library
from bot.replies import Message
from bot.service import SUBJECTS, Entraide
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store
from storage.tables import metadata
from tests.fakes import FakeChat
from tests.running import kill_leftovers

# Machines here set PYTHONDONTWRITEBYTECODE: every `entraide run` a test starts would then
# compile the whole bot and its libraries again (3.5 s of CPU instead of 1 s). Compiled
# once, by the first; and the test modules' rewritten asserts are kept for the next run.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

POSTGRES_URL = os.environ.get("ENTRAIDE_TEST_POSTGRES_URL")
LIBRARY = load_library()  # read once: it is immutable
START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday

# Property tests (tests/bot/test_any_input.py): few examples by default, to keep the suite
# quick; HYPOTHESIS_PROFILE=thorough tries many more. Their community fixture is built
# once per test and shared by its examples on purpose, hence the suppressed health check.
_HYPOTHESIS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
settings.register_profile("ci", max_examples=50, **_HYPOTHESIS)
settings.register_profile("thorough", max_examples=1000, **_HYPOTHESIS)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _no_process_outlives_its_test():
    yield
    kill_leftovers()


# A long-lived process has one engine, which compiles each statement once: the tests too
# keep one engine per backend for the run (SQLAlchemy's compiled statements are its own).


@pytest.fixture(scope="session")
async def migrated_sqlite(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("db") / "migrated.db"
    engine = create_engine(f"sqlite:///{path}")
    await upgrade(engine)
    await engine.dispose()
    return path


@pytest.fixture(scope="session")
async def sqlite_engine(tmp_path_factory) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'entraide.db'}")
    yield engine
    await engine.dispose()


@pytest.fixture
async def sqlite_url(sqlite_engine: AsyncEngine, migrated_sqlite: Path) -> str:
    """A migrated SQLite database with no rows: a copy of one migrated once per run,
    cheaper than emptying every table, put where the run's engine reconnects."""
    await sqlite_engine.dispose()
    path = Path(sqlite_engine.url.database)
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(migrated_sqlite, path)
    return sqlite_engine.url.render_as_string()


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    if not POSTGRES_URL:
        pytest.skip(
            "PostgreSQL tests need ENTRAIDE_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    name = f"entraide_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()
    try:
        yield url
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture(scope="session")
async def postgres_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(postgres_url)
    yield engine
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:
    """Each test that needs a database runs once per backend."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def database_engine(request, database_url: str) -> AsyncEngine:
    backend = "sqlite" if database_url.startswith("sqlite") else "postgres"
    return request.getfixturevalue(f"{backend}_engine")


@pytest.fixture
async def db(database_engine: AsyncEngine) -> Store:
    """A store on an empty, migrated database: each test starts with no rows."""
    if database_engine.dialect.name == "postgresql":
        async with database_engine.begin() as conn:
            names = ", ".join(table.name for table in metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return Store(database_engine)


class DeliveringEntraide:
    """The core as the console drives it: what a command or a tick queued is delivered
    before the next step, so that tests read the posts as members would see them."""

    def __init__(self, entraide: Entraide) -> None:
        self.entraide = entraide

    async def handle(self, command):
        reply = await self.entraide.handle(command)
        await self.entraide.deliver_due()
        return reply

    async def run_due(self, now: datetime) -> int:
        self.entraide.core.clock.set(now)  # the tests' clock is the time that passes
        queued = await self.entraide.run_due(now)
        await self.entraide.deliver_due()
        return queued

    def __getattr__(self, name: str):
        return getattr(self.entraide, name)


@dataclass
class Community:
    """One community on the core, with a recording chat and a clock the test moves."""

    entraide: DeliveringEntraide
    chat: FakeChat
    clock: ManualClock
    store: Store
    id: str = "team"

    def actor(
        self,
        member: str,
        organiser: bool = False,
        locale: str | None = None,
        timezone: str | None = None,
    ) -> Actor:
        return Actor(
            self.id,
            member,
            member.capitalize(),
            is_organiser=organiser,
            locale=locale,
            timezone=timezone,
        )

    async def command(
        self, member: str, name: str, text: str = "", channel: str = "general", **kw
    ) -> Message | None:
        return await self.entraide.handle(
            SlashCommand(self.actor(member, **kw), channel, name, text)
        )

    async def reply(self, member: str, thread_id: str, text: str, channel: str = "help") -> str:
        message_id = self.chat.member_message(channel, member, text)
        await self.entraide.handle(
            MessagePosted(self.actor(member), channel, message_id, text, thread_id=thread_id)
        )
        return message_id

    async def react(
        self, member: str, message_id: str, emoji: str, added: bool = True, **kw
    ) -> Message | None:
        author = (
            self.chat.messages[message_id].author_id if message_id in self.chat.messages else None
        )
        kind = ReactionAdded if added else ReactionRemoved
        return await self.entraide.handle(
            kind(self.actor(member, **kw), "help", message_id, emoji, author)
        )

    async def press(self, member: str, action: str, value: str, **kw) -> Message | None:
        return await self.entraide.handle(
            ButtonPressed(self.actor(member, **kw), "help", action, value)
        )

    async def ask(self, member: str, text: str, **kw) -> str:
        """Ask and return the posted question's message id."""
        before = len(self.chat.posts)
        reply = await self.command(member, "ask", text, **kw)
        assert len(self.chat.posts) == before + 1, reply.plain_text() if reply else reply
        return self.chat.posts[-1].message_id

    def advance(self, **delta) -> None:
        self.clock.advance(timedelta(**delta))


def make_community(
    store: Store,
    community_id: str = "team",
    chat: FakeChat | None = None,
    clock=None,
    pacer=None,
    lease_sleep=None,
    **settings,
) -> Community:
    """A community on the core; ``pacer`` paces its deliveries, ``lease_sleep`` is how its
    deliverer waits between lease renewals (both real-time by default)."""
    chat = chat or FakeChat()
    clock = clock or ManualClock(START)
    core = Core(
        store=store,
        chat=chat,
        clock=clock,
        library=LIBRARY,
        defaults=CommunitySettings(community_id="", help_channel="help", **settings),
        organisers=frozenset({"olga"}),
    )
    entraide = Entraide(core)
    entraide.deliveries = Deliverer(
        core, SUBJECTS, pacer_for=lambda _community_id: pacer, sleep=lease_sleep or asyncio.sleep
    )
    return Community(DeliveringEntraide(entraide), chat, clock, store, community_id)


@pytest.fixture
def community(db) -> Community:
    return make_community(db)


def pytest_collection_finish(session) -> None:
    """What collection made (modules, tests, fixtures' definitions) lives for the whole run:
    full collections need not walk it again between tests (as `entraide run` does)."""
    gc.collect()
    gc.freeze()

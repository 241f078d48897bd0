"""A storm of Discord reaction events through the adapter and the core, against bare inserts.

Builds a fresh SQLite database (schema from the migrations) with 1,000 answered
questions on one Discord server, then delivers MESSAGE_REACTION_ADD events: every
one of 18 members marks every answer helpful (18,000 marks), and 10% of the events
are delivered a second time, as a gateway replay would. Each event goes through
discord.py's own parser, the adapter's translation and ``Entraide.handle``, one
after the other; its latency runs from parsing to the end of its handling.

In the same run, on the same engine, it times single-row insert transactions (the
cheapest write a handler could make) and prints both rates side by side, with
the target (at least 0.5x the bare rate). It then checks every count: each answer
helpful exactly 18 times. It is a benchmark, not a test: the exit code is 0
whatever the figures, 1 only if a count is wrong.

    python benchmarks/discord_events.py [--answers N] [--members N] [--database PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import text

from adapters.discord.client import DiscordAdapter
from adapters.discord.settings import DiscordSettings as Discord
from bot.clock import SystemClock
from bot.core import Core
from bot.domain import CommunitySettings, QuestionStatus
from bot.prompts import load_library
from bot.service import Entraide
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store

SEED = 20261125
GUILD = 1180000000000000001
HELP = 1180000000000000010
COMMUNITY = f"discord:{GUILD}"
ASKER, AUTHOR = 1180000000000000201, 1180000000000000202
FIRST_MEMBER = 1180000000000000300
FIRST_ID = 1190000000000000000
DUPLICATES = 0.10
BARE_INSERTS = 5_000
TARGET_RATIO = 0.5


def guild_payload() -> dict[str, Any]:
    """GUILD_CREATE as discord.py needs it to know the server (members' roles, the channel)."""
    everyone = {"id": str(GUILD), "name": "@everyone", "permissions": "68672", "position": 0}
    channel = {"id": str(HELP), "type": 0, "guild_id": str(GUILD), "name": "help", "position": 0}
    return {
        "id": str(GUILD),
        "name": "Benchmark",
        "owner_id": str(ASKER - 1),
        "roles": [everyone | {"color": 0, "hoist": False, "managed": False, "mentionable": False}],
        "channels": [channel | {"permission_overwrites": []}],
        "emojis": [],
        "members": [],
        "member_count": 20,
        "unavailable": False,
        "features": [],
    }


def reaction(answer: int, thread: int, member: int) -> dict[str, Any]:
    """MESSAGE_REACTION_ADD for ✅ by ``member`` on an answer in its question's thread."""
    user = {"id": str(member), "username": f"m{member}", "global_name": None, "discriminator": "0"}
    return {
        "user_id": str(member),
        "type": 0,
        "message_id": str(answer),
        "message_author_id": str(AUTHOR),
        "member": {"user": user | {"avatar": None}, "roles": [], "joined_at": None, "deaf": False}
        | {"mute": False, "flags": 0},
        "emoji": {"id": None, "name": "✅"},
        "channel_id": str(thread),
        "burst": False,
        "guild_id": str(GUILD),
        "burst_colors": [],
    }


async def answered_questions(store: Store, core: Core, count: int) -> list[tuple[int, int]]:
    """``count`` questions with one answer each; returns (answer message, thread) ids."""
    now = core.clock.now()
    pairs = []
    async with store.transaction() as tx:
        await core.settings(tx, COMMUNITY)
        for n in range(count):
            card, answer = FIRST_ID + 2 * n, FIRST_ID + 2 * n + 1
            question = await tx.questions.add(
                COMMUNITY,
                str(HELP),
                str(ASKER),
                False,
                f"Question {n}",
                "",
                (),
                QuestionStatus.OPEN,
                now,
            )
            await tx.questions.update(replace(question, message_id=str(card)))
            await tx.questions.add_answer(
                COMMUNITY, question.id, str(AUTHOR), "An answer", str(answer), now
            )
            pairs.append((answer, card))
    return pairs


def storm(pairs: list[tuple[int, int]], members: int) -> list[dict[str, Any]]:
    """Every member on every answer, shuffled; replays make 10% of all events, a little later."""
    rng = random.Random(SEED)
    events = [reaction(a, t, FIRST_MEMBER + m) for a, t in pairs for m in range(members)]
    rng.shuffle(events)
    replays = round(len(events) * DUPLICATES / (1 - DUPLICATES))
    for original in rng.sample(range(len(events)), replays):
        later = min(len(events), original + rng.randint(1, 50))
        events.insert(later, events[original])
    return events


class Timed:
    """``Entraide`` with the time spent in ``handle`` added up: the core's share of each event."""

    def __init__(self, entraide: Entraide) -> None:
        self.entraide = entraide
        self.seconds = 0.0

    async def handle(self, command: Any) -> Any:
        begun = time.perf_counter()
        try:
            return await self.entraide.handle(command)
        finally:
            self.seconds += time.perf_counter() - begun


async def bare_inserts(store: Store) -> float:
    """Single-row insert transactions per second on the same engine."""
    async with store.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, v TEXT)"))
    started = time.perf_counter()
    for n in range(BARE_INSERTS):
        async with store.engine.begin() as conn:
            await conn.execute(text("INSERT INTO bench_rows (v) VALUES (:v)"), {"v": f"row {n}"})
    return BARE_INSERTS / (time.perf_counter() - started)


async def run(answers: int, members: int, database: Path) -> int:
    engine = create_engine(f"sqlite:///{database}")
    await upgrade(engine)
    store = Store(engine)
    core = Core(
        store=store,
        chat=None,  # type: ignore[arg-type]  # set to the adapter's below; helpful marks post nothing
        clock=SystemClock(),
        library=load_library(),
        defaults=CommunitySettings(community_id="", help_channel=str(HELP)),
    )
    # Never logged in: nothing here talks to Discord, the events are parsed as the gateway would.
    settings = Discord(enabled=True, token=SecretStr("benchmark"), api_url="http://127.0.0.1:9")
    timed = Timed(Entraide(core))
    adapter = DiscordAdapter(timed, settings)  # type: ignore[arg-type]
    core.chat = adapter.chat
    parse = adapter.client._connection.parsers
    parse["GUILD_CREATE"](guild_payload())
    try:
        pairs = await answered_questions(store, core, answers)
        events = storm(pairs, members)
        latencies = []
        started = time.perf_counter()
        for event in events:
            begun = time.perf_counter()
            parse["MESSAGE_REACTION_ADD"](event)
            await adapter.drain()
            latencies.append(time.perf_counter() - begun)
        elapsed = time.perf_counter() - started
        bare = await bare_inserts(store)
        async with store.transaction() as tx:
            counts = [
                answer.helpful_count
                for question_id in range(1, answers + 1)
                for answer in await tx.questions.answers(COMMUNITY, question_id)
            ]
    finally:
        await adapter.stop()
        await engine.dispose()

    rate = len(events) / elapsed
    cuts = statistics.quantiles(latencies, n=100)
    print(f"{len(events):,} reaction events ({len(events) - answers * members:,} replays)")
    print(f"{'':30}{'events/s':>12}{'p50 ms':>10}{'p99 ms':>10}")
    print(
        f"{'adapter + core (handle)':30}{rate:>12,.0f}{cuts[49] * 1e3:>10.2f}{cuts[98] * 1e3:>10.2f}"
    )
    print(f"{'bare single-row inserts':30}{bare:>12,.0f}")
    core_share = timed.seconds / elapsed
    print(
        f"time in Entraide.handle: {core_share:.0%}; parsing and translating: {1 - core_share:.0%}"
    )
    ratio = rate / bare
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"ratio {ratio:.2f}x the bare rate (target ≥ {TARGET_RATIO}x): {verdict}")
    right = len(counts) == answers and all(count == members for count in counts)
    print(
        f"counts: {sum(counts):,} helpful marks on {len(counts):,} answers, "
        f"{'each' if right else 'NOT each'} marked {members} times"
    )
    return 0 if right else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000)
    parser.add_argument("--members", type=int, default=18, help="members marking every answer")
    parser.add_argument("--database", type=Path, help="SQLite file (default: a temporary one)")
    args = parser.parse_args()
    folder = None if args.database else Path(tempfile.mkdtemp(prefix="entraide-bench-"))
    database = args.database or folder / "bench.db"  # type: ignore[operator]
    try:
        sys.exit(asyncio.run(run(args.answers, args.members, database)))
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

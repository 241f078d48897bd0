"""`entraide console`: the console adapter composed with the core on SQLite, its schema kept current."""

from __future__ import annotations

import asyncio
import sys

from adapters.console.app import ConsoleSession, session_id
from adapters.console.chat import ConsoleChat
from bot.clock import ManualClock
from bot.runtime.bootstrap import build
from bot.runtime.settings import Settings
from storage.migrate import upgrade

BANNER = """Entraide console — you are in #general. Lines look like:
  alice: /ask How do I keep learners engaged?      bob: #1 Try short polls
  alice: +white_check_mark #2      :channel #help      :advance 24h      :as alice
Ctrl-D to leave."""


async def run_console(settings: Settings, clock: ManualClock, interactive: bool) -> int:
    chat = ConsoleChat(session_id(), write=lambda line: print(line, flush=True))
    app = build(settings, chat, clock, extra_organisers=settings.console.organisers)
    try:
        # The console is the embedded demo: it keeps its own SQLite file up to date.
        await upgrade(app.store.engine)
        session = ConsoleSession(
            app.entraide,
            chat,
            clock,
            settings.console.community,
            frozenset(settings.console.organisers),
            write=chat.write,
        )
        if interactive:
            print(BANNER)
        while True:
            line = await asyncio.to_thread(_read_line, interactive)
            if line is None:
                break
            await session.line(line)
    finally:
        await app.close()
    return 0


def _read_line(interactive: bool) -> str | None:
    if interactive:
        try:
            return input("> ")
        except EOFError:
            return None
    line = sys.stdin.readline()
    return line if line else None

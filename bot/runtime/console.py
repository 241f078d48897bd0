"""`entraide console`: the console adapter composed with the core on SQLite (its schema kept
current), the web pages served on localhost, lines read until the end. ``entraide demo``
first fills a fresh database with a generated quarter of a community."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from adapters.console.app import ConsoleSession, session_id
from adapters.console.chat import ConsoleChat
from bot.clock import ManualClock
from bot.runtime.bootstrap import build
from bot.runtime.settings import Settings
from bot.runtime.web import message_links, start_web
from bot.web.access import Role
from bot.web.site import new_link
from storage.migrate import upgrade

BANNER = """Entraide console — you are in #general. Lines look like:
  alice: /ask How do I keep learners engaged?      bob: #1 Try short polls
  alice: +white_check_mark #2      :channel #help      :advance 24h      :as alice
Ctrl-D to leave."""


async def run_console(
    settings: Settings, clock: ManualClock, interactive: bool, demo: bool = False
) -> int:
    def say(line: str) -> None:
        print(line, flush=True)

    chat = ConsoleChat(session_id(), write=say)
    app = build(settings, chat, clock, extra_organisers=settings.console.organisers)
    pages = None
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
        if settings.console.web:
            try:
                pages, config = await start_web(settings, app.entraide.core, message_links({}))
                say(f"🌐 web pages on {config.base_url}/ (/entraide dashboard gives you a link)")
            except OSError as error:
                say(f"🌐 web pages not served: {error.strerror or error} (set web.port)")
        if demo:
            await _fill(session, chat, clock)
            if pages is not None:
                link = await new_link(
                    app.store,
                    app.entraide.core.web,
                    clock,
                    settings.console.community,
                    Role.ORGANISER,
                )
                say(f"🌐 the organisers' overview: {link}")
        if interactive:
            print(BANNER)
        while True:
            line = await asyncio.to_thread(_read_line, interactive)
            if line is None:
                break
            await session.line(line)
    finally:
        if pages is not None:
            await pages.cleanup()
        await app.close()
    return 0


async def _fill(
    session: ConsoleSession, chat: ConsoleChat, clock: ManualClock, weeks: int | None = None
) -> None:
    from adapters.console.demo import WEEKS, fill

    weeks = weeks or WEEKS
    end = clock.now()
    monday = (end - timedelta(weeks=weeks - 1, days=end.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    clock.set(monday)
    print(f"Generating {weeks} weeks of a 40-member community (from {monday.date()})…", flush=True)
    out: list[str] = []
    chat.write = session.write = out.append  # what the quarter said is kept, not printed
    try:
        played = await fill(session, chat, out, end, weeks)
    finally:
        chat.write = session.write = lambda line: print(line, flush=True)
    print(f"Demo ready: {played} things members did, up to {end.isoformat(timespec='minutes')}.")


def _read_line(interactive: bool) -> str | None:
    if interactive:
        try:
            return input("> ")
        except EOFError:
            return None
    line = sys.stdin.readline()
    return line if line else None

"""Deliveries' outcomes recorded together: what comes while one unit of work is written
shares the next one.

Each outcome is a few fenced statements (``tx.deliveries.finish`` and its subject's
hook). Written one unit of work each, under load the units of work themselves (their
turn on SQLite, their begin and commit) cost more than the statements: those that
wait are written together instead, at most ``MOST`` in one. If a shared unit of work
fails, each of its outcomes is written again alone, so that one that fails (a bug, a
constraint) takes no other down with it, and its caller gets its error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import Context

from bot.ports import Store, Transaction

Change = Callable[[Transaction], Awaitable[None]]

MOST = 32  # outcomes written in one unit of work, at most
# Units of work written at once. On PostgreSQL they go side by side; on SQLite they take
# turns, and each takes what waits when its turn comes.
WRITERS = 4


class Recorder:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._waiting: list[tuple[Change, asyncio.Future[None]]] = []
        self._writers: set[asyncio.Task] = set()

    async def record(self, change: Change) -> None:
        """Run ``change`` in a unit of work, maybe shared with others; raise what it raised."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((change, done))
        if len(self._writers) < WRITERS:
            # In a context of its own: never joining a unit of work its first caller had open.
            writer = asyncio.create_task(self._write_waiting(), context=Context())
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        await done

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch: list[tuple[Change, asyncio.Future[None]]] = []
            try:
                async with self.store.transaction() as tx:
                    # Taken once the turn is ours: what came meanwhile joins this one.
                    batch, self._waiting = self._waiting[:MOST], self._waiting[MOST:]
                    for change, _ in batch:
                        await change(tx)
            except Exception as error:
                if not batch:  # failed before the turn: those waiting are tried alone
                    batch, self._waiting = self._waiting[:MOST], self._waiting[MOST:]
                for change, done in batch:
                    if len(batch) == 1:
                        if not done.done():
                            done.set_exception(error)
                    else:  # fenced as they are, outcomes written twice would change nothing
                        await self._alone(change, done)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def _alone(self, change: Change, done: asyncio.Future[None]) -> None:
        try:
            async with self.store.transaction() as tx:
                await change(tx)
        except Exception as error:
            if not done.done():
                done.set_exception(error)
            return
        if not done.done():
            done.set_result(None)

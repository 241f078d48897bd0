"""Deliveries' outcomes recorded together: what comes while one unit of work is written
shares the next one.

Each outcome is a few fenced statements (``tx.deliveries.finish_all`` and its subject's
hook, if any). Written one unit of work each, under load the units of work themselves
(their turn on SQLite, their begin and commit) cost more than the statements: those that
wait are written together instead, at most ``MOST`` in one, and the posts made are
recorded together (``tx.deliveries.finish_all``). Under a stream of posts, outcomes are
written once every ``RECORD_EVERY`` seconds at most, with all that came meanwhile, as
kept events are (``bot.receiving``); one after a quiet moment is written at once. Posts
made with nothing to follow (no hook: most of them) are written in a unit of work of that
one statement: on PostgreSQL, one round trip, where a post's unit of work of its own took
four (BEGIN, the delivery, its subject, COMMIT). If a shared unit of work fails, each of
its outcomes is written again alone, so that one that fails (a bug, a constraint) takes
no other down with it, and its caller gets its error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import Context
from dataclasses import dataclass, field
from datetime import datetime
from itertools import takewhile

from bot.domain import Delivery
from bot.ports import Store, Transaction

Change = Callable[[Transaction], Awaitable[None]]

MOST = 32  # outcomes written in one unit of work, at most
# Units of work written at once. On PostgreSQL they go side by side; on SQLite they take
# turns, and each takes what waits when its turn comes.
WRITERS = 4
# One unit of work begun every RECORD_EVERY seconds at most. Posts finish one by one, each
# lane's after its call: written as they came, nearly every outcome had a unit of work of
# its own (about four round trips for two statements). A lane waits this long at most more
# before its next post, which the platforms' pace spreads far wider.
RECORD_EVERY = 0.02


@dataclass
class _Sent:
    """A post made: recorded if its claim still holds, then ``after`` (its subject's hook),
    if any."""

    delivery: Delivery
    message_id: str | None
    now: datetime
    after: Change | None


@dataclass
class _Waiting:
    outcome: Change | _Sent
    done: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class Recorder:
    def __init__(self, store: Store, every: float = RECORD_EVERY) -> None:
        self.store = store
        self.every = every
        self._waiting: list[_Waiting] = []
        self._writers: set[asyncio.Task] = set()
        self._next_write = float("-inf")  # when the next unit of work may begin (the loop's clock)

    async def record(self, change: Change) -> None:
        """Run ``change`` in a unit of work, maybe shared with others; raise what it raised."""
        await self._wait_for(change)

    async def sent(
        self, delivery: Delivery, message_id: str | None, now: datetime, after: Change | None
    ) -> bool:
        """Record a post made (``tx.deliveries.finish_all``), then run ``after``, if any, in
        the same unit of work; False, and ``after`` not run, if the claim no longer held."""
        return await self._wait_for(_Sent(delivery, message_id, now, after))

    async def _wait_for(self, outcome: Change | _Sent):
        waiting = _Waiting(outcome)
        self._waiting.append(waiting)
        if len(self._writers) < WRITERS:
            # In a context of its own: never joining a unit of work its first caller had open.
            writer = asyncio.create_task(self._write_waiting(), context=Context())
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)
        return await waiting.done

    async def _write_waiting(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            pause = self._next_write - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
                continue  # another writer may have taken the turn, and what waited, meanwhile
            self._next_write = loop.time() + self.every
            batch: list[_Waiting] = []
            running: list[int] = []  # the outcome being written, when one raised
            one_statement = all(map(_posted_only, self._waiting[:MOST]))
            try:
                async with self.store.transaction(each_statement=one_statement) as tx:
                    # Taken once the turn is ours: what came meanwhile joins this one.
                    batch = self._take(one_statement)
                    results = await self._write(tx, batch, running)
            except Exception as error:
                if not batch:  # failed before the turn: those waiting are tried alone
                    batch = self._take(one_statement)
                failed = running[-1] if running and running[-1] >= 0 else None
                await self._each_alone(batch, error, failed)
                continue
            for waiting, result in zip(batch, results, strict=True):
                _settle(waiting.done, result)

    def _take(self, one_statement: bool) -> list[_Waiting]:
        """Up to ``MOST`` of those waiting, the first ones; for a unit of work of one
        statement, only the posts with nothing to follow among them."""
        batch = self._waiting[:MOST]
        if one_statement:
            batch = list(takewhile(_posted_only, batch))
        self._waiting = self._waiting[len(batch) :]
        return batch

    async def _each_alone(
        self, batch: list[_Waiting], error: Exception, failed: int | None
    ) -> None:
        """After a shared unit of work failed: the outcome that raised gets its error, the
        others are written again one after the other, each alone (fenced as they are, an
        outcome written twice changes nothing). Not side by side: with the database away,
        they would take every connection of the pool. And once one of them fails as the
        shared one did, the database is what fails: the rest get that error at once, rather
        than each waiting for its own time-out."""
        if failed is not None:
            _settle(batch[failed].done, error=error)
        others = [w for n, w in enumerate(batch) if n != failed]
        for n, waiting in enumerate(others):
            again = await self._alone(waiting)
            if again is not None and type(again) is type(error):
                for rest in others[n + 1 :]:
                    _settle(rest.done, error=again)
                return

    async def _write(
        self, tx: Transaction, batch: list[_Waiting], running: list[int] | None = None
    ) -> list:
        running = [] if running is None else running
        running.append(-1)  # recording the posts made
        sent = [w.outcome for w in batch if isinstance(w.outcome, _Sent)]
        finished = await tx.deliveries.finish_all([(s.delivery, s.message_id, s.now) for s in sent])
        running.clear()
        results = []
        for n, waiting in enumerate(batch):
            running.append(n)
            outcome = waiting.outcome
            if not isinstance(outcome, _Sent):
                results.append(await outcome(tx))
            elif outcome.delivery.id in finished:
                if outcome.after is not None:
                    await outcome.after(tx)
                results.append(True)
            else:
                results.append(False)
            running.pop()
        return results

    async def _alone(self, waiting: _Waiting) -> Exception | None:
        """Write one outcome in a unit of work of its own; the error it failed with, if any."""
        try:
            async with self.store.transaction() as tx:
                [result] = await self._write(tx, [waiting])
        except Exception as error:
            _settle(waiting.done, error=error)
            return error
        _settle(waiting.done, result)
        return None


def _posted_only(waiting: _Waiting) -> bool:
    """A post made with no hook to follow: recorded by ``finish_all``'s statement alone."""
    return isinstance(waiting.outcome, _Sent) and waiting.outcome.after is None


def _settle(done: asyncio.Future, result=None, error: BaseException | None = None) -> None:
    if done.done():  # its caller was cancelled (a shutdown): nobody waits for it
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(result)

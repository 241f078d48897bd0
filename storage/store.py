"""The store: units of work over the repositories (``storage/repositories/``).

``async with store.transaction() as tx:`` opens a unit of work that commits on
success and rolls back on error; its repositories return the core's dataclasses.
Every method takes the community and filters by it: nothing of one community is
visible from another.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import sqlite_driver
from storage.repositories.communities import Communities
from storage.repositories.deliveries import Deliveries
from storage.repositories.early_events import EarlyEvents
from storage.repositories.events import Events
from storage.repositories.marks import Marks
from storage.repositories.nudges import Nudges
from storage.repositories.practice import Practice
from storage.repositories.privacy import Privacy
from storage.repositories.questions import Questions
from storage.repositories.reports import Reports
from storage.repositories.resources import Resources
from storage.repositories.roundups import Roundups
from storage.repositories.routing import Routing
from storage.repositories.search import Search
from storage.repositories.web import WebAccess

R = TypeVar("R")


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # The unit of work open in the current task, if any: a transaction opened inside
        # it joins it, so that a command's steps can commit together, or not at all.
        self._current: ContextVar[Transaction | None] = ContextVar(
            f"transaction-{id(self)}", default=None
        )
        # SQLite takes one writer at a time, and makes the others wait by sleeping and trying
        # again (up to 100 ms a sleep): under load, most of the time goes to those sleeps. This
        # process's units of work take turns here instead, and SQLite only arbitrates between
        # processes. PostgreSQL locks rows, not the database: no turns there.
        self._turns = Turns() if engine.dialect.name == "sqlite" else None
        # Reading needs no transaction of its own on PostgreSQL (each statement sees what was
        # committed, as SQLite's reads outside a write do), nor does a write whose statements
        # each hold alone: no BEGIN and COMMIT to wait for.
        self._autocommit = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine
        )
        # A report's statements read one snapshot: on PostgreSQL a read-only transaction that
        # sees what was committed before its first statement; on SQLite an explicit BEGIN, the
        # snapshot taken at the first read (reads outside one see each commit as it lands).
        self._snapshot = (
            engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            if engine.dialect.name == "postgresql"
            else None
        )

    @property
    def writers_take_turns(self) -> bool:
        return self._turns is not None

    @asynccontextmanager
    async def transaction(
        self,
        priority: bool = False,
        reading: bool = False,
        long: bool = False,
        each_statement: bool = False,
        snapshot: bool = False,
    ) -> AsyncIterator[Transaction]:
        """A unit of work; ``priority`` ones (keeping events a platform waits to be
        acknowledged) take their turn before the others waiting. A ``reading`` one, which
        writes nothing, takes no turn: in WAL mode SQLite lets it read the last commit while
        another connection writes. Its statements do not share one snapshot, unless it is a
        ``snapshot`` one (a report, whose figures must agree while others write: a
        transaction of its own, two round trips more on PostgreSQL). On PostgreSQL,
        each statement of an ``each_statement`` one commits by itself (keeping events: one
        insert of them all, acknowledged after one round trip instead of three). A ``long`` one
        may take long (reports over a year, a purge of many rows): on SQLite, its statements
        run in SQLite's thread, not the event loop's (see :mod:`storage.sqlite_driver`)."""
        current = self._current.get()
        if current is not None:
            yield current
            return
        turns = self._turns if not (reading or snapshot) else None
        if snapshot:
            engine = self._snapshot or self.engine
        elif reading or each_statement:
            engine = self._autocommit
        else:
            engine = self.engine
        with sqlite_driver.in_its_thread() if long else contextlib.nullcontext():
            async with (
                turns.turn(priority) if turns else contextlib.nullcontext(),
                engine.begin() as conn,
            ):
                if snapshot and self._snapshot is None:
                    await conn.exec_driver_sql("BEGIN")  # SQLite's, which pysqlite leaves out
                tx = Transaction(conn)
                token = self._current.set(tx)
                try:
                    yield tx
                finally:
                    self._current.reset(token)
        # Committed: now the platform may be told, without holding the database meanwhile.
        for action in tx.committed_actions:
            await action()


class Turns:
    """One unit of work at a time in this process; priority ones go before the others."""

    def __init__(self) -> None:
        self._busy = False
        self._waiting: tuple[deque[asyncio.Future], deque[asyncio.Future]] = (deque(), deque())

    @asynccontextmanager
    async def turn(self, priority: bool) -> AsyncIterator[None]:
        if self._busy:
            waiting = asyncio.get_running_loop().create_future()
            self._waiting[0 if priority else 1].append(waiting)
            try:
                await waiting
            except asyncio.CancelledError:
                if waiting.done() and not waiting.cancelled():
                    self._pass_on()  # the turn was handed over just as this was cancelled
                else:
                    self._waiting[0 if priority else 1].remove(waiting)
                raise
        else:
            self._busy = True
        try:
            yield
        finally:
            self._pass_on()

    def _pass_on(self) -> None:
        for queue in self._waiting:
            while queue:
                waiting = queue.popleft()
                if not waiting.done():
                    waiting.set_result(None)  # still busy: the turn is theirs now
                    return
        self._busy = False


class MadeWhenUsed(Generic[R]):
    """A repository of a unit of work, made when the unit of work first uses it: most use one
    to three of them, and the busiest run hundreds of times a second."""

    def __init__(self, made: Callable[[AsyncConnection], R]) -> None:
        self.made = made

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, tx: Transaction | None, owner: type | None = None) -> R:
        if tx is None:
            return self  # type: ignore[return-value]  # the class's own attribute
        repository = tx.__dict__[self.name] = self.made(tx.conn)  # used from now on
        return repository


class Transaction:
    """One unit of work, its repositories as attributes: ``tx.questions.add(…)``."""

    communities = MadeWhenUsed(Communities)
    events = MadeWhenUsed(Events)
    questions = MadeWhenUsed(Questions)
    marks = MadeWhenUsed(Marks)
    resources = MadeWhenUsed(Resources)
    practice = MadeWhenUsed(Practice)
    search = MadeWhenUsed(Search)
    deliveries = MadeWhenUsed(Deliveries)
    early_events = MadeWhenUsed(EarlyEvents)
    reports = MadeWhenUsed(Reports)
    privacy = MadeWhenUsed(Privacy)
    roundups = MadeWhenUsed(Roundups)
    routing = MadeWhenUsed(Routing)
    nudges = MadeWhenUsed(Nudges)
    web = MadeWhenUsed(WebAccess)

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.committed_actions: list[Callable[[], Awaitable[None]]] = []

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run ``action`` once the unit of work has committed (never if it rolls back)."""
        self.committed_actions.append(action)

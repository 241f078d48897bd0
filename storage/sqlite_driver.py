"""SQLAlchemy's aiosqlite adapter, with most statements run on the event loop's thread.

aiosqlite runs each connection's calls in a thread of its own. SQLAlchemy's adapter
makes four such calls per statement (open a cursor, execute, fetch the rows, close
the cursor), and two per unit of work (commit, then the rollback of the pool when
the connection comes back). Each call is a trip to that thread and back through
the event loop, and under load the trips, not SQLite, are what a unit of work
waits for. SQLite takes one writer at a time, so units of work take turns
(:class:`storage.store.Turns`) and every trip of one delays all the others.

Most statements make no trip at all: they run on the event loop's thread, where
SQLite's own work on them (0.02 to 0.2 ms) costs less than a trip's waits (a wait
for SQLite's thread to take it, then for the loop to resume the caller, behind
whatever else the loop serves). A statement runs there only when it cannot hold
the loop long:

- it does not wait for a lock: SQLite answers "busy" at once there, and the
  statement is run again in SQLite's thread, which waits up to
  :data:`BUSY_TIMEOUT_MS` for another process to let go (this process's units of
  work already take turns);
- a read (``SELECT``, ``WITH``) is interrupted after :data:`READ_BUDGET` there, and
  run again in SQLite's thread: no read holds the loop longer than that;
- a unit of work that may take long (a purge, the web pages' reports) and a
  full-text search (whose ranking the budget cannot interrupt) run in
  :func:`in_its_thread` whole.

What goes to SQLite's thread goes whole, in one trip: a statement with its rows, a
commit or a rollback (a commit waits for the disk). A commit or rollback with no
transaction open (a unit of work that only read) makes none.

This leans on two attributes of aiosqlite's ``Connection``, ``_execute`` (run a
function in its thread) and ``_connection`` (the ``sqlite3`` connection); when a
version lacks them, :func:`module` returns ``None`` and the stock adapter is used.
"""

from __future__ import annotations

import collections
import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

# How long a statement run in SQLite's thread waits for another process's write lock.
BUSY_TIMEOUT_MS = 5000
# How long a read may hold the event loop before it is moved to SQLite's thread.
READ_BUDGET = 0.002
# VM steps between two looks at the clock while a read runs on the loop's thread.
_STEPS_BETWEEN_LOOKS = 1000

_in_its_thread: ContextVar[bool] = ContextVar("sqlite-in-its-thread", default=False)


@contextlib.contextmanager
def in_its_thread() -> Iterator[None]:
    """Every statement of the block runs in SQLite's thread: for units of work that may
    take long, writes (which cannot be interrupted midway) or reads known to (which
    would run twice)."""
    token = _in_its_thread.set(True)
    try:
        yield
    finally:
        _in_its_thread.reset(token)


def _run(
    connection: sqlite3.Connection, many: bool, operation: str, parameters: Any
) -> tuple[Any, int, int | None, list]:
    """In SQLite's thread: the whole statement, and what SQLAlchemy reads of its cursor."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _run_here(
    connection: sqlite3.Connection, many: bool, operation: str, parameters: Any
) -> tuple[Any, int, int | None, list] | None:
    """On the event loop's thread: :func:`_run`, or ``None`` when the statement would
    wait for a lock or, a read, outlasts :data:`READ_BUDGET` (nothing of it is kept)."""
    head = operation.lstrip()[:6].upper()
    reading = head == "SELECT" or head.startswith("WITH")
    if reading:
        deadline = time.perf_counter() + READ_BUDGET
        connection.set_progress_handler(
            lambda: time.perf_counter() > deadline, _STEPS_BETWEEN_LOOKS
        )
    try:
        return _run(connection, many, operation, parameters)
    except sqlite3.OperationalError as error:
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None and (
            code & 0xFF == sqlite3.SQLITE_BUSY or (reading and code == sqlite3.SQLITE_INTERRUPT)
        ):
            return None
        raise
    finally:
        if reading:
            connection.set_progress_handler(None, 0)


def _waiting(connection: sqlite3.Connection, work: Callable[[], Any]) -> Any:
    """In SQLite's thread, where waiting for another process's lock holds nothing else up.
    Most work finds no lock to wait for (a commit, a read): it is tried at once, and only
    work that found one is run again, waiting for it, as the loop's thread does (a statement
    SQLite found busy did nothing)."""
    try:
        return work()
    except sqlite3.OperationalError as error:
        code = getattr(error, "sqlite_errorcode", None)
        if code is None or code & 0xFF != sqlite3.SQLITE_BUSY:
            raise
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    try:
        return work()
    finally:
        connection.execute("PRAGMA busy_timeout = 0")


async def _awaited() -> None:
    """Nothing: SQLAlchemy's async engine requires each statement to await something."""


class LoopFirstCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statements run whole, on the loop's thread or in SQLite's; their
    rows are kept here."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # none is kept open between statements
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description = None
        self._rowcount = -1
        self._lastrowid = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _async_soft_close(self) -> None:
        return None  # nothing open in SQLite's thread

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return self._statement(False, operation, parameters)
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return self._statement(True, operation, seq_of_parameters)
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def _statement(self, many: bool, operation: Any, parameters: Any) -> None:
        sqlite = self._connection._connection
        result = None
        if not _in_its_thread.get():
            await_(_awaited())
            result = _run_here(sqlite, many, operation, parameters)
        if result is None:
            result = await_(self._trip(sqlite, many, operation, parameters))
        self._description, self._rowcount, self._lastrowid, rows = result
        self._rows = collections.deque(rows)

    async def _trip(
        self, sqlite: sqlite3.Connection, many: bool, operation: Any, parameters: Any
    ) -> tuple[Any, int, int | None, list]:
        async with self._adapt_connection._execute_mutex:
            return await self._connection._execute(
                _waiting, sqlite, lambda: _run(sqlite, many, operation, parameters)
            )


class LoopFirstConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = LoopFirstCursor

    def _in_transaction(self) -> bool:
        # Read between two statements of this connection: its thread is idle.
        connection = getattr(self._connection, "_connection", None)
        return connection is None or connection.in_transaction  # unknown: as the stock adapter

    def commit(self) -> None:
        if self._in_transaction():
            self._in_thread("commit")

    def rollback(self) -> None:
        if self._in_transaction():
            self._in_thread("rollback")

    def _in_thread(self, ending: str) -> None:
        sqlite = self._connection._connection
        try:
            await_(self._connection._execute(_waiting, sqlite, getattr(sqlite, ending)))
        except Exception as error:
            self._handle_exception(error)


class LoopFirstDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> LoopFirstConnection:
        adapted = super().connect(*arg, **kw)
        return LoopFirstConnection(self, adapted._connection)


def module() -> LoopFirstDBAPI | None:
    """The DB-API module to give ``create_async_engine(module=…)`` for SQLite."""
    if not hasattr(aiosqlite.Connection, "_execute"):
        return None
    return LoopFirstDBAPI(aiosqlite, sqlite3)

"""SQLAlchemy's aiosqlite adapter, with one trip to SQLite's thread per statement.

aiosqlite runs each connection's calls in a thread of its own. SQLAlchemy's adapter
makes four such calls per statement (open a cursor, execute, fetch the rows, close
the cursor), and two per unit of work (commit, then the rollback of the pool when
the connection comes back). Each call is a trip to that thread and back through
the event loop, and under load the trips, not SQLite, are what a unit of work
waits for: a ``/ask``, from its keeping to its card posted, made 68 of them (19
now). SQLite takes one writer at a time, so units of work take turns
(:class:`storage.store.Turns`) and every trip of one delays all the others. Here a
statement is one trip, and a commit or rollback with no transaction open (a unit
of work that only read) is none.

This leans on two attributes of aiosqlite's ``Connection``, ``_execute`` (run a
function in its thread) and ``_connection`` (the ``sqlite3`` connection); when a
version lacks them, :func:`module` returns ``None`` and the stock adapter is used.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_


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


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statements run whole in SQLite's thread; their rows are kept here."""

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
            return await_(self._statement(False, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_(self._statement(True, operation, seq_of_parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _statement(self, many: bool, operation: Any, parameters: Any) -> None:
        async with self._adapt_connection._execute_mutex:
            connection = self._connection
            result = await connection._execute(
                _run, connection._connection, many, operation, parameters
            )
        self._description, self._rowcount, self._lastrowid, rows = result
        self._rows = collections.deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = OneTripCursor

    def _in_transaction(self) -> bool:
        # Read between two statements of this connection: its thread is idle.
        connection = getattr(self._connection, "_connection", None)
        return connection is None or connection.in_transaction  # unknown: as the stock adapter

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def module() -> OneTripDBAPI | None:
    """The DB-API module to give ``create_async_engine(module=…)`` for SQLite."""
    if not hasattr(aiosqlite.Connection, "_execute"):
        return None
    return OneTripDBAPI(aiosqlite, sqlite3)

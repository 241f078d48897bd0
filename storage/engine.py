"""Engines: SQLite (aiosqlite, WAL) by default, PostgreSQL (asyncpg) when the URL says so."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage import sqlite_driver

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


POSTGRES_POOL = 40
# Every statement planned for its own values: a plan made once for any value (asyncpg
# prepares each statement, and PostgreSQL switches to a generic plan after five runs) fetched
# every match of a common word in a search, 172 ms instead of 10, and a community's size
# varies as much; planning a short statement costs far less. Neither JIT compilation (4-5 ms,
# set off by the search's cost estimates) nor parallel workers pay for themselves on
# statements this short. Set per connection, not per transaction: the reading units of work
# run without one.
POSTGRES_SETTINGS = {
    "plan_cache_mode": "force_custom_plan",
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
}


def async_url(url: str) -> str:
    """``sqlite:///x.db`` → ``sqlite+aiosqlite:///x.db``; ``postgresql://`` → asyncpg."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver:
        parsed = parsed.set(drivername=driver)
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ValueError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
        )
    return parsed.render_as_string(hide_password=False)


def password_of(url: str) -> str | None:
    """The database URL's password, if it has one (so that logs can mask it)."""
    try:
        password = make_url(url).password
    except Exception:  # not a URL: it carries nothing to mask
        return None
    return str(password) if password else None


def masked(url: str) -> str:
    """The URL as it may be shown or logged: the password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: say so without echoing it
        return "(an invalid database URL)"


def create_engine(url: str, *, statement_timeout: float | None = None, **kwargs) -> AsyncEngine:
    """An engine for ``url``; ``statement_timeout`` (seconds) bounds every statement and
    connection attempt on PostgreSQL, so that a database that stops answering fails the
    work that waits for it instead of holding it forever; and the time a transaction may wait
    on its process, so that a process that stops (a stopped VM, a long pause) inside a unit
    of work does not hold its rows forever: the server ends its transaction, which commits
    nothing, and another instance takes over what it held."""
    target = async_url(url)
    backend = make_url(target).get_backend_name()
    if backend == "postgresql":
        # Connections kept open for the work running at once (32 deliveries, the commands
        # and events handled, the keeps, the tick): beyond the pool, a connection is opened
        # and closed for each unit of work, a new server process each time.
        kwargs.setdefault("pool_size", POSTGRES_POOL)
        server_settings, connect_args = POSTGRES_SETTINGS, {}
        if statement_timeout is not None:
            idle = {"idle_in_transaction_session_timeout": str(round(statement_timeout * 1000))}
            server_settings = server_settings | idle
            connect_args = {"timeout": statement_timeout, "command_timeout": statement_timeout}
        kwargs["connect_args"] = (
            {"server_settings": server_settings} | connect_args | kwargs.get("connect_args", {})
        )
    # A database error names its statement, never its values: members' texts and the
    # platforms' tokens kept with an event stay out of the logs.
    kwargs.setdefault("hide_parameters", True)
    if backend == "sqlite":
        loop_first = sqlite_driver.module()  # most statements on the loop's thread, see there
        if loop_first is not None and "module" not in kwargs:
            kwargs["module"] = loop_first
            # Opened in SQLite's thread, used from the loop's too, never from both at once.
            kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "check_same_thread": False}
    engine = create_async_engine(target, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; the busy timeout makes a
    # second writer wait instead of failing with "database is locked". With the
    # loop-first driver, only what runs in SQLite's thread waits (it sets its own).
    cursor.execute("PRAGMA journal_mode=WAL")
    on_the_loop = isinstance(dbapi_connection, sqlite_driver.LoopFirstConnection)
    cursor.execute(f"PRAGMA busy_timeout={0 if on_the_loop else sqlite_driver.BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


async def reachable(engine: AsyncEngine, timeout: float) -> bool:
    """Whether the database answers a trivial query within ``timeout`` seconds.

    The query runs in its own task, abandoned (cancelled) on time-out: a database that
    stopped answering may also stall the cancellation, and the caller must not wait for it.
    """

    async def ping() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    task = asyncio.create_task(ping())
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if not done:
        task.cancel()
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return False
    return task.exception() is None

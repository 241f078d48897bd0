"""What every repository shares: the connection of the unit of work, and inserts that let a
unique key decide (``ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike).

Items looked up by ids (a search's hits) are read by primary key alone, and their community
checked on the rows: with ``community_id = ? AND id IN (4 or more ids)`` SQLite, which keeps
no statistics, walks the community's index instead (20 ms for 4 questions of a community of
200,000; PostgreSQL, with statistics, uses the key either way).
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

_INSERT_NEW: dict[tuple, object] = {}


class Repository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    def _dialect(self):
        return postgresql if self.conn.dialect.name == "postgresql" else sqlite

    def _insert_ignoring(self, table, *conflict_columns: str):
        """INSERT … ON CONFLICT DO NOTHING on either backend (the unique keys carry idempotence)."""
        return (
            self._dialect()
            .insert(table)
            .on_conflict_do_nothing(index_elements=list(conflict_columns))
        )

    async def _insert_new(self, table, conflict_columns: tuple[str, ...], values: dict) -> bool:
        """Insert a row unless its unique key exists; True if inserted. The statement is built
        once per table and backend: on the paths every event takes, building it cost more
        than running it."""
        key = (self.conn.dialect.name, table.name, conflict_columns)
        stmt = _INSERT_NEW.get(key)
        if stmt is None:
            stmt = _INSERT_NEW[key] = self._insert_ignoring(table, *conflict_columns)
        return (await self.conn.execute(stmt, values)).rowcount == 1

    async def _inserted(self, stmt) -> bool:
        return (await self.conn.execute(stmt)).rowcount == 1

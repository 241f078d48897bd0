"""Alembic environment: runs migrations on the async engine that :mod:`storage.migrate` passes."""

from __future__ import annotations

import asyncio

from alembic import context

import storage.web_tables  # noqa: F401  (the web side's tables join the metadata)
from storage.engine import create_engine
from storage.tables import metadata

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_async(config.get_main_option("sqlalchemy.url")))

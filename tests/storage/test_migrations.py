"""Alembic migrations: up, down and up again on both backends."""

from __future__ import annotations

from sqlalchemy import inspect

from storage.engine import create_engine
from storage.migrate import downgrade, schema_status, upgrade
from storage.tables import metadata


async def tables(engine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_downgrade_round_trip(database_url, tmp_path):
    # A database of its own: the shared one stays at head for the other tests.
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    else:
        url = database_url
    engine = create_engine(url)
    try:
        if url != database_url:
            await upgrade(engine)
        assert {t.name for t in metadata.sorted_tables} <= await tables(engine)
        current, head = await schema_status(engine)
        assert current == head
        await downgrade(engine, "base")
        assert not ({t.name for t in metadata.sorted_tables} & await tables(engine))
        assert (await schema_status(engine))[0] is None
        await upgrade(engine)
        assert {t.name for t in metadata.sorted_tables} <= await tables(engine)
        assert (await schema_status(engine))[0] == head
    finally:
        await engine.dispose()


async def test_the_migrations_build_exactly_the_tables_the_code_declares(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def differences(connection):
        found = compare_metadata(MigrationContext.configure(connection), metadata)
        # The search index is DDL of its own (FTS5 tables, the tsvector column), not in the metadata.
        return [d for d in found if "search_fts" not in str(d) and "'tsv'" not in str(d)]

    async with db.engine.connect() as conn:
        assert await conn.run_sync(differences) == []

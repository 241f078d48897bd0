"""Alembic migrations: up, down and up again on both backends."""

from __future__ import annotations

from sqlalchemy import inspect, text

import storage.web_tables  # noqa: F401  (the web side's tables join the metadata)
from bot.search import Kind, parse_query
from storage.engine import create_engine
from storage.migrate import downgrade, schema_status, upgrade
from storage.store import Store
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
        # The search index is DDL of its own (FTS5 tables, the tsvector column and the GIN
        # indexes on it), not in the metadata.
        search_ddl = (
            "search_fts",
            "'tsv'",
            "ix_search_documents_bucketed",
            "ix_search_documents_pairs",
        )
        return [d for d in found if not any(name in str(d) for name in search_ddl)]

    async with db.engine.connect() as conn:
        assert await conn.run_sync(differences) == []


async def test_documents_indexed_before_the_prefix_indexes_are_still_found(tmp_path):
    """0006 and 0010 rebuild SQLite's FTS5 table with prefix indexes from the documents
    already there."""
    engine = create_engine(f"sqlite:///{tmp_path / 'before.db'}")
    try:
        await upgrade(engine, "0005")
        async with engine.begin() as conn:  # as 0005's code wrote it
            await conn.execute(
                text(
                    "INSERT INTO communities (id, language, timezone, helpful_emoji, "
                    "me_too_emoji, bookmark_emoji, reminder_delay_minutes, created_at) "
                    "VALUES ('team', 'fr', 'UTC', 'a', 'b', 'c', 60, '2026-12-01 00:00:00')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO search_documents (community_id, kind, ref_id, title, body) "
                    "VALUES ('team', 'question', 1, 'grille d''evaluation', 'formative')"
                )
            )
        await upgrade(engine)
        store = Store(engine)
        for words in ("evaluation", "eva", "eval", "evalu", "evalua", "evaluati", "evaluatio"):
            async with store.transaction() as tx:
                hits = await tx.search.find("team", parse_query(words), list(Kind))
            assert [(h.kind, h.ref_id) for h in hits] == [(Kind.QUESTION, 1)], words
    finally:
        await engine.dispose()

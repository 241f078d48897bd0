"""search pairs and prefixes: PostgreSQL indexes pairs of words; SQLite prefixes up to 8 letters

PostgreSQL: a GIN index on a tsvector holds no positions, so a phrase was found by looking up its words
and checking their order on every row holding them all: "to safetness" checked 13,000 rows
for 567 matches, "un du" 28,000 for 1,175 (30-120 ms). search_pairs() lists each pair of
words standing side by side in a document, tagged with its bucket of 2**14 ids as
search_bucketed() tags words ('12_to_safetness'): the index finds a phrase's rows in a few
buckets of recent ids, and the order is still checked on them (storage/search_postgres.py).

SQLite: the FTS5 table is rebuilt with prefix indexes for 6, 7 and 8 characters too. A
prefix without an index of its length merges the lists of every word it begins, all of
them, before the newest are kept: at 400,000 documents "progres*" took 26-38 ms, "mentor*"
27 ms; with them a query's p95 went from 14.7 to 10.4 ms (two copies measured one after
the other), for an FTS5 index of 406 MB instead of 263 MB. Longer prefixes are left to the merge: each length indexed costs
space, and a longer prefix begins fewer words.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


# Words never hold '_' (PostgreSQL's parser splits on it), so the pairs cannot be confused.
# Costly on purpose, as search_bucketed(): never computed row by row over a scan.
_PAIRS = """CREATE FUNCTION search_pairs(id integer, tsv tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000
    AS $$ WITH word AS (
        SELECT t.lexeme, p AS position
        FROM pg_catalog.unnest(tsv) AS t, pg_catalog.unnest(t.positions) AS p)
    SELECT pg_catalog.array_to_tsvector(ARRAY(
        SELECT (id >> 14)::text || '_' || first.lexeme || '_' || second.lexeme
        FROM word AS first JOIN word AS second ON second.position = first.position + 1)) $$"""


# As 0006 wrote it; its triggers name the table, so they carry over.
_FTS5 = """CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body, content='search_documents', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='{prefix}')"""


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        _rebuild_fts5("3 4 5 6 7 8")
    else:
        op.execute(_PAIRS)
        op.execute(
            "CREATE INDEX ix_search_documents_pairs ON search_documents"
            " USING GIN (search_pairs(id, tsv))"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        _rebuild_fts5("3 4 5")
    else:
        op.execute("DROP INDEX ix_search_documents_pairs")
        op.execute("DROP FUNCTION search_pairs(integer, tsvector)")


def _rebuild_fts5(prefix: str) -> None:
    op.execute("DROP TABLE search_fts")
    op.execute(_FTS5.format(prefix=prefix))
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")

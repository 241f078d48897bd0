"""phrase pairs: on PostgreSQL, each document's adjacent words, by bucket of ids, indexed

A GIN index on a tsvector holds no positions, so a phrase was found by looking up its words
and checking their order on every row holding them all: "to safetness" checked 13,000 rows
for 567 matches, "un du" 28,000 for 1,175 (30-120 ms). search_pairs() lists each pair of
words standing side by side in a document, tagged with its bucket of 2**14 ids as
search_bucketed() tags words ('12_to_safetness'): the index finds a phrase's rows in a few
buckets of recent ids, and the order is still checked on them (storage/search_postgres.py).
SQLite's FTS5 index holds positions already: nothing changes there.

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


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(_PAIRS)
        op.execute(
            "CREATE INDEX ix_search_documents_pairs ON search_documents"
            " USING GIN (search_pairs(id, tsv))"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_search_documents_pairs")
        op.execute("DROP FUNCTION search_pairs(integer, tsvector)")

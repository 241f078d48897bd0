"""Full-text search behind one interface: SQLite FTS5 and PostgreSQL tsvector.

Both index ``search_documents`` (text folded by the core: lower case, no
accents) and build their query syntax from the words of :class:`bot.search.Query`
only, each word quoted or reduced to letters and digits, so that no input can
break the query.

Ranking scores every candidate, which costs the most on words that match a large
part of a big community. Candidates are therefore the community's most recent
``CANDIDATES`` matches, ranked best first: exact for any query that matches fewer,
recent-first beyond.

FTS5 walks its matches newest first and stops at ``CANDIDATES``. A GIN index can
only give every match, in no order, so PostgreSQL looks for them in steps, newest
ids first (:mod:`storage.search_postgres`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from sqlalchemy import bindparam, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.search import Hit, Kind, Query, is_prefix
from storage import search_postgres, sqlite_driver
from storage.tables import resource_tags, search_documents

CANDIDATES = 2000
docs = search_documents.c


async def search(
    conn: AsyncConnection,
    community_id: str,
    query: Query,
    kinds: Sequence[Kind],
    tag: str | None = None,
    limit: int = 10,
) -> list[Hit]:
    if query.empty and tag is None:
        return []
    # Bound parameters, not values: the statements are built once per shape (see
    # storage.search_postgres, whose statements take several steps).
    values = {"community_id": community_id, "kinds": sorted(k.value for k in kinds)}
    if tag is not None:
        values["tag"] = tag
    if not query.empty and conn.dialect.name == "postgresql":
        return await search_postgres.search(
            conn, query, _scope(tag is not None), values, tag is not None, limit, CANDIDATES
        )
    if not query.empty:
        values["match"] = fts5_expression(query)
    stmt = _statement(query.empty, tag is not None, limit, CANDIDATES)
    # Ranking a common word's matches takes milliseconds: in SQLite's thread, so that the
    # event loop goes on meanwhile, and so that no read past its budget runs twice.
    with sqlite_driver.in_its_thread():
        rows = (await conn.execute(stmt, values)).all()
    return [Hit(Kind(row.kind), row.ref_id, float(row.score)) for row in rows]


@functools.cache
def _scope(tagged: bool) -> tuple:
    """Built once, and shared: on PostgreSQL it is asked for at every search."""
    scope = [docs.community_id == bindparam("community_id"), docs.kind.in_(bindparam("kinds"))]
    if tagged:
        has_tag = select(resource_tags.c.resource_id).where(
            resource_tags.c.community_id == bindparam("community_id"),
            resource_tags.c.resource_id == docs.ref_id,
            resource_tags.c.tag == bindparam("tag"),
        )
        scope += [docs.kind == Kind.RESOURCE.value, has_tag.exists()]
    return tuple(scope)


@functools.cache
def _statement(empty: bool, tagged: bool, limit: int, candidates: int):
    """Built once per shape: building one, and its cache key, cost more than running it."""
    scope = _scope(tagged)
    if empty:
        stmt = (
            select(docs.kind, docs.ref_id, literal_column("0.0").label("score"))
            .where(*scope)
            .order_by(docs.id.desc())
        )
    else:
        stmt = _fts5(scope, candidates)
    return stmt.limit(limit)


def fts5_expression(query: Query) -> str | None:
    """The FTS5 MATCH string: every word double-quoted, so that FTS5 syntax can't leak in."""
    if query.empty:
        return None

    def group(words: tuple[str, ...]) -> str:
        phrase = '"' + " ".join(words) + '"'
        return phrase + "*" if len(words) == 1 and is_prefix(words[0]) else phrase

    joined = (" OR " if query.any_group else " AND ").join(group(g) for g in query.groups)
    if query.excluded:
        joined = f"({joined}) NOT (" + " OR ".join(f'"{w}"' for w in query.excluded) + ")"
    return joined


def _fts5(scope: tuple, candidates: int):
    match = literal_column("search_fts.rowid")
    # bm25 is lower for better matches; titles weigh twice the body. FTS5 walks the
    # matches newest first and stops at CANDIDATES: only those are scored.
    candidates = (
        select(
            docs.id,
            docs.kind,
            docs.ref_id,
            literal_column("-bm25(search_fts, 2.0, 1.0)").label("score"),
        )
        .select_from(search_documents.join(text("search_fts"), match == docs.id))
        .where(text("search_fts MATCH :match"), *scope)
        .order_by(match.desc())
        .limit(candidates)
        .subquery()
    )
    return select(candidates.c.kind, candidates.c.ref_id, candidates.c.score).order_by(
        candidates.c.score.desc(), candidates.c.id.desc()
    )

"""Full-text search behind one interface: SQLite FTS5 and PostgreSQL tsvector.

Both index ``search_documents`` (text folded by the core: lower case, no
accents) and build their query syntax from the words of :class:`bot.search.Query`
only, each word quoted or reduced to letters and digits, so that no input can
break the query.

Ranking scores every candidate, which costs the most on words that match a large
part of a big community. Candidates are therefore the community's most recent
``CANDIDATES`` matches, ranked best first: exact for any query that matches fewer,
recent-first beyond.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.search import Hit, Kind, Query, is_prefix
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
    scope = [docs.community_id == community_id, docs.kind.in_(sorted(k.value for k in kinds))]
    if tag is not None:
        tagged = select(resource_tags.c.resource_id).where(
            resource_tags.c.community_id == community_id,
            resource_tags.c.resource_id == docs.ref_id,
            resource_tags.c.tag == tag,
        )
        scope += [docs.kind == Kind.RESOURCE.value, tagged.exists()]
    if query.empty:
        stmt = (
            select(docs.kind, docs.ref_id, literal_column("0.0").label("score"))
            .where(*scope)
            .order_by(docs.id.desc())
        )
    elif conn.dialect.name == "postgresql":
        stmt = _postgres(query, scope)
    else:
        stmt = _fts5(query, scope)
    rows = (await conn.execute(stmt.limit(limit))).all()
    return [Hit(Kind(row.kind), row.ref_id, float(row.score)) for row in rows]


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


def _fts5(query: Query, scope: list):
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
        .where(text("search_fts MATCH :match").bindparams(match=fts5_expression(query)), *scope)
        .order_by(match.desc())
        .limit(CANDIDATES)
        .subquery()
    )
    return select(candidates.c.kind, candidates.c.ref_id, candidates.c.score).order_by(
        candidates.c.score.desc(), candidates.c.id.desc()
    )


def tsquery_expression(query: Query) -> str | None:
    """A ``to_tsquery('simple', …)`` string; words are \\w+ only, so nothing else parses."""
    if query.empty:
        return None

    def group(words: tuple[str, ...]) -> str:
        if len(words) == 1:
            return f"{words[0]}:*" if is_prefix(words[0]) else words[0]
        return "(" + " <-> ".join(words) + ")"

    joined = (" | " if query.any_group else " & ").join(group(g) for g in query.groups)
    if query.excluded:
        joined = f"({joined}) & !(" + " | ".join(query.excluded) + ")"
    return joined


def _postgres(query: Query, scope: list):
    tsquery = func.to_tsquery(literal_column("'simple'::regconfig"), tsquery_expression(query))
    tsv = literal_column("search_documents.tsv")
    candidates = (
        select(docs.id)
        .where(tsv.op("@@")(tsquery), *scope)
        .order_by(docs.id.desc())
        .limit(CANDIDATES)
    )
    # Titles carry weight A, bodies B: ts_rank_cd ranks title matches first.
    score = func.ts_rank_cd(tsv, tsquery).label("score")
    return (
        select(docs.kind, docs.ref_id, score)
        .where(docs.id.in_(candidates))
        .order_by(literal_column("score").desc(), docs.id.desc())
    )

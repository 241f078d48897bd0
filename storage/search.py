"""Full-text search behind one interface: SQLite FTS5 and PostgreSQL tsvector.

Both index ``search_documents`` (text folded by the core: lower case, no
accents) and build their query syntax from the words of :class:`bot.search.Query`
only, each word quoted or reduced to letters and digits, so that no input can
break the query.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.search import Hit, Kind, Query
from storage.tables import resource_tags, search_documents

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
    if conn.dialect.name == "postgresql":
        stmt = _postgres(query)
    else:
        stmt = _fts5(query)
    if stmt is None:
        stmt = select(docs.kind, docs.ref_id, literal_column("0.0").label("score")).order_by(
            docs.id.desc()
        )
    stmt = stmt.where(docs.community_id == community_id, docs.kind.in_([k.value for k in kinds]))
    if tag is not None:
        stmt = stmt.where(
            docs.kind == Kind.RESOURCE.value,
            select(resource_tags.c.resource_id)
            .where(
                and_(
                    resource_tags.c.community_id == community_id,
                    resource_tags.c.resource_id == docs.ref_id,
                    resource_tags.c.tag == tag,
                )
            )
            .exists(),
        )
    rows = (await conn.execute(stmt.limit(limit))).all()
    return [Hit(Kind(row.kind), row.ref_id, float(row.score)) for row in rows]


def fts5_expression(query: Query) -> str | None:
    """The FTS5 MATCH string: every word double-quoted (FTS5 syntax can't leak in), prefix-matched."""
    if query.empty:
        return None

    def group(words: tuple[str, ...]) -> str:
        return '"' + " ".join(words) + '"*' if len(words) == 1 else '"' + " ".join(words) + '"'

    joined = (" OR " if query.any_group else " AND ").join(group(g) for g in query.groups)
    if query.excluded:
        joined = f"({joined}) NOT (" + " OR ".join(f'"{w}"' for w in query.excluded) + ")"
    return joined


def _fts5(query: Query):
    expression = fts5_expression(query)
    if expression is None:
        return None
    # bm25 is lower for better matches; titles weigh twice the body.
    score = literal_column("-bm25(search_fts, 2.0, 1.0)").label("score")
    return (
        select(docs.kind, docs.ref_id, score)
        .select_from(
            search_documents.join(text("search_fts"), literal_column("search_fts.rowid") == docs.id)
        )
        .where(text("search_fts MATCH :match").bindparams(match=expression))
        .order_by(literal_column("score").desc())
    )


def tsquery_expression(query: Query) -> str | None:
    """A ``to_tsquery('simple', …)`` string; words are \\w+ only, so nothing else parses."""
    if query.empty:
        return None

    def group(words: tuple[str, ...]) -> str:
        return f"{words[0]}:*" if len(words) == 1 else "(" + " <-> ".join(words) + ")"

    joined = (" | " if query.any_group else " & ").join(group(g) for g in query.groups)
    if query.excluded:
        joined = f"({joined}) & !(" + " | ".join(query.excluded) + ")"
    return joined


def _postgres(query: Query):
    expression = tsquery_expression(query)
    if expression is None:
        return None
    tsquery = func.to_tsquery(literal_column("'simple'::regconfig"), expression)
    tsv = literal_column("search_documents.tsv")
    # Titles carry weight A, bodies B: ts_rank_cd ranks title matches first.
    score = func.ts_rank_cd(tsv, tsquery).label("score")
    return (
        select(docs.kind, docs.ref_id, score)
        .where(tsv.op("@@")(tsquery))
        .order_by(literal_column("score").desc(), docs.id.desc())
    )

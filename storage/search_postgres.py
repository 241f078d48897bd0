"""PostgreSQL search: the community's newest matches, found in steps, ranked with ts_rank.

A GIN index gives every match of a word, in no order. For a word in a few percent of
a large community, fetching every match to keep the newest ``candidates`` costs tens
of milliseconds, and so does reading the rows newest first until enough match. So
:func:`search` goes from the newest ids down:

1. the newest ``WALK_IDS`` ids are read row by row when the words are common, as the
   planner's statistics on the lexemes say (they are found there); otherwise a first
   window of ids is sized from those statistics, two buckets at most: they count only a
   prefix's common words (``kind`` matches 5% of one benchmark's documents, ``kind*``'s
   common words 0.4%: its window held five times the matches wanted);
2. the ids below are searched in windows sized from the density seen so far: read row
   by row where the words are dense; elsewhere through ``search_bucketed``, an index of
   each document's lexemes tagged with its bucket of ids (``BUCKET_BITS``), which finds
   the matches of a few buckets without reading the entries of all the others (a phrase's
   through ``search_pairs``, its pairs of words side by side, tagged alike: a GIN index
   holds no positions, and the rows holding a phrase's words far outnumber its matches);
   and through the plain GIN index for a window too wide for that (a rare word);
3. each step ranks its candidates; the best of all steps are kept.

Every statement is planned for its own words and bounds (``force_custom_plan``, set on
every connection by :mod:`storage.engine`: asyncpg's generic plan fetched every match of a
common word). The windows only bound the work: the candidates are the newest matches
whatever their sizes.
"""

from __future__ import annotations

import bisect
import itertools
import re
import time
from dataclasses import dataclass

from sqlalchemy import Boolean, bindparam, cast, false, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.search import Hit, Kind, Query, is_prefix
from storage.tables import search_documents

WALK_IDS = 2048  # the newest ids, read row by row before any index
WINDOW_MARGIN = 1.3  # how much wider than the density seen so far predicts a window is
DENSE = 0.2  # a share of matching ids above which reading rows beats fetching each match
BUCKET_BITS = 14  # ids per bucket: 2**14, as migration 0006's search_bucketed() says
MAX_BUCKETS = 16  # a wider window goes to the plain GIN index: its words are rare
FIRST_WINDOW_IDS = 2 << 14  # see step 1 above
INDEXED_SHARE = 10.0  # see indexed_expression
STATISTICS_TTL = 600.0  # seconds this process trusts the lexeme frequencies it read
docs = search_documents.c


def tsquery_expression(query: Query, excluded: bool = True) -> str | None:
    """A ``to_tsquery('simple', …)`` string; words are \\w+ only, so nothing else parses.

    Without ``excluded``, the words that must match and none of those that must not.
    """
    if query.empty:
        return None

    def group(words: tuple[str, ...]) -> str:
        if len(words) == 1:
            return f"{words[0]}:*" if is_prefix(words[0]) else words[0]
        return "(" + " <-> ".join(words) + ")"

    joined = (" | " if query.any_group else " & ").join(group(g) for g in query.groups)
    if excluded and query.excluded:
        joined = f"({joined}) & !(" + " | ".join(query.excluded) + ")"
    return joined


def indexed_expression(query: Query, frequencies: Frequencies) -> tuple[str, bool]:
    """What the index looks up, and whether that is the whole query (else the rows are
    checked against it).

    The phrases if there are any; else the words that must match. Of words that must all
    match, only the rarest: another word is looked up while it is at most
    ``INDEXED_SHARE`` times as common as the rows left. Reading a word's entries costs
    about 0.2 µs each, checking a row 2-3 µs: five words, three of them common, cost
    26-33 ms through the index for 13 rows, 11-13 ms with the two rarest.
    """
    whole = not query.excluded and all(len(group) == 1 for group in query.groups)

    def term(word: str, alone: bool) -> str:
        return f"{word}:*" if alone and is_prefix(word) else word

    if query.any_group:
        return " | ".join(
            "(" + " & ".join(term(w, len(group) == 1) for w in group) + ")"
            for group in query.groups
        ), whole
    phrases = [group for group in query.groups if len(group) > 1]
    if phrases:
        # Its pairs of words side by side are rarer than any of a phrase's words: the
        # phrases alone are looked up (see pairs), the other words checked on the rows.
        return " & ".join("(" + " <-> ".join(group) + ")" for group in phrases), False
    shares = sorted(
        {
            (frequencies.word(w, len(group) == 1 and is_prefix(w)), term(w, len(group) == 1))
            for group in query.groups
            for w in group
        }
    )
    chosen, left = [], 1.0
    for share, looked_up in shares:
        if chosen and share > INDEXED_SHARE * left:
            break
        chosen.append(looked_up)
        left *= share
    return " & ".join(chosen), whole and len(chosen) == len(shares)


async def search(
    conn: AsyncConnection,
    query: Query,
    scope: tuple,
    values: dict,
    tagged: bool,
    limit: int,
    candidates: int,
) -> list[Hit]:
    """The best ``limit`` of the community's newest ``candidates`` matches (see above).

    ``scope`` (community, kinds, tag) takes its ``values`` as bound parameters, so that
    each shape of statement is built once: building one cost about half a millisecond.
    """
    frequencies = await _frequencies(conn)
    indexed, whole = indexed_expression(query, frequencies)
    setup = (await conn.execute(_SETUP, {**values, "indexed": indexed})).one()
    top, normalized = setup[0], setup[1]
    if top is None or not normalized:
        return []  # no document, or no lexeme left once PostgreSQL parsed the words
    checked = not whole
    paired = pairs(normalized)
    params = {**values, "query": tsquery_expression(query), "indexed": indexed, "limit": limit}
    rows: list = []
    found = 0
    expected = frequencies.density(query)
    if expected >= DENSE:
        high, low, walk = top, max(top - WALK_IDS, 0), True
    else:
        span = min(int(candidates / expected * WINDOW_MARGIN) + 1, FIRST_WINDOW_IDS)
        high, low, walk = top, max(top - span, 0), False
        if low < WALK_IDS:
            low = 0
    while True:
        step_params = {**params, "low": low, "high": high, "remaining": candidates - found}
        if walk:
            shape = ("walk", tagged, False)
        else:
            buckets = range(high >> BUCKET_BITS, ((low + 1) >> BUCKET_BITS) - 1, -1)
            if len(buckets) <= MAX_BUCKETS:
                shape = ("pairs" if paired else "buckets", tagged, checked)
                step_params["buckets"] = bucketed(paired or normalized, buckets)
            else:
                shape = ("index", tagged, checked)
        step = (await conn.execute(_statement(shape, scope), step_params)).all()
        rows += step
        found += step[0].found if step else 0
        if found >= candidates or low == 0:
            break
        density = found / (top - low)
        span = low if density == 0 else int((candidates - found) / density * WINDOW_MARGIN) + 1
        high, low, walk = low, max(low - span, 0), density >= DENSE
        if low < WALK_IDS:
            low = 0  # a last sliver would cost a statement for nothing
    rows.sort(key=lambda row: (-row.score, -row.id))
    return [Hit(Kind(row.kind), row.ref_id, float(row.score)) for row in rows[:limit]]


@dataclass(frozen=True)
class Frequencies:
    """The share of documents holding each common lexeme, from the planner's statistics."""

    lexemes: list[str]  # sorted here (pg_stats orders them by length first)
    shares: list[float]
    rare: float  # assumed for a lexeme not among them: half the least common one's share

    def word(self, word: str, prefix: bool) -> float:
        start = bisect.bisect_left(self.lexemes, word)
        if not prefix:
            found = start < len(self.lexemes) and self.lexemes[start] == word
            return self.shares[start] if found else self.rare
        end = bisect.bisect_left(self.lexemes, word + "\U0010ffff")
        return min(1.0, max(sum(self.shares[start:end]), self.rare))

    def density(self, query: Query) -> float:
        """The share of documents expected to match ``query``, erring high: the least common
        of words that must all match (they tend to come together), the least common word of
        a phrase. Too high costs one more window; too low, fetching far too many rows."""
        shares = [
            min(self.word(w, len(group) == 1 and is_prefix(w)) for w in group)
            for group in query.groups
        ]
        if query.any_group:
            miss = 1.0
            for share in shares:
                miss *= 1 - share
            return 1 - miss
        return max(min(shares), 1e-6)


_FREQUENCIES: dict[str, tuple[float, Frequencies]] = {}


async def _frequencies(conn: AsyncConnection) -> Frequencies:
    """The lexeme frequencies ANALYZE (or autovacuum) last gathered, read again every
    ``STATISTICS_TTL`` seconds. None gathered yet: every word is taken as common."""
    key = str(conn.engine.url)
    now = time.monotonic()
    cached = _FREQUENCIES.get(key)
    if cached is not None and now - cached[0] < STATISTICS_TTL:
        return cached[1]
    row = (await conn.execute(_STATISTICS)).first()
    if row is None or not row[0]:
        frequencies = Frequencies([], [], 1.0)
    else:
        count = len(row[0])
        pairs = sorted(zip(row[0], (float(f) for f in row[1][:count]), strict=True))
        least = float(row[1][count])
        frequencies = Frequencies([p[0] for p in pairs], [p[1] for p in pairs], least / 2)
    _FREQUENCIES[key] = (now, frequencies)
    return frequencies


# most_common_elem_freqs ends with the least and greatest frequencies and that of nulls.
_STATISTICS = text(
    "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
    " WHERE schemaname = current_schema() AND tablename = 'search_documents'"
    " AND attname = 'tsv'"
)

_STATEMENTS: dict[tuple[str, bool, bool], object] = {}


def _statement(shape: tuple[str, bool, bool], scope: tuple):
    """The statement of a step, built the first time its shape is seen."""
    statement = _STATEMENTS.get(shape)
    if statement is None:
        variant, _, checked = shape
        if variant == "walk":
            statement = _walk(scope)
        else:
            statement = _window(scope, variant, checked=checked)
        _STATEMENTS[shape] = statement
    return statement


_QUOTED = r"(?:[^'\\]|''|\\.)*"  # a lexeme between its quotes, as PostgreSQL prints it
_LEXEME = re.compile(f"'({_QUOTED})'")
_PHRASE = re.compile(r"<(?:-|\d+)>")
_CHAIN = re.compile(f"'{_QUOTED}'(?!:)(?: <-> '{_QUOTED}'(?!:))+")  # words side by side


def pairs(normalized: str) -> str | None:
    """``normalized``'s phrases as their pairs of words side by side, as ``search_pairs``
    indexes them (``'a' <-> 'b' <-> 'c'`` becomes ``('a_b' & 'b_c')``); None unless every
    word looked up stands in a phrase."""
    chains: list[str] = []

    def pair_up(chain: re.Match) -> str:
        words = [m.group(1) for m in _LEXEME.finditer(chain.group(0))]
        chains.append(" & ".join(f"'{a}_{b}'" for a, b in itertools.pairwise(words)))
        return f"#{len(chains) - 1}#"  # no # outside quotes in a tsquery

    rest = _CHAIN.sub(pair_up, normalized)
    if not chains or _LEXEME.search(rest):
        return None
    # Phrases that PostgreSQL joined by a distance (a word it dropped) need both halves.
    rest = _PHRASE.sub("&", rest)
    return re.sub(r"#(\d+)#", lambda m: "(" + chains[int(m.group(1))] + ")", rest)


def bucketed(normalized: str, buckets: range) -> str:
    """``normalized`` (a tsquery as PostgreSQL prints it, without negations) for the
    documents of ``buckets``: each lexeme tagged with the bucket, as ``search_bucketed``
    indexes them. A phrase becomes a conjunction: positions are checked on the rows."""
    plain = _PHRASE.sub("&", normalized)
    return " | ".join(
        "(" + _LEXEME.sub(lambda m, b=bucket: f"'{b}_{m.group(1)}'", plain) + ")"
        for bucket in buckets
    )


# The newest id, where the search starts, and the words as PostgreSQL parses them, to tag
# with buckets. Each statement is planned for its words (see storage.engine's settings).
_SETUP = text(
    "SELECT (SELECT max(id) FROM search_documents WHERE community_id = :community_id),"
    " to_tsquery('simple', :indexed)::text"
)
_TSV = literal_column("search_documents.tsv")
_SIMPLE = literal_column("'simple'::regconfig")


def _tsquery(name: str):
    return func.to_tsquery(_SIMPLE, bindparam(name))


def _exact():
    # A function call rather than @@: no index serves it, the rows are checked one by one.
    return func.ts_match_vq(_TSV, _tsquery("query"), type_=Boolean)


def _score(tsv):
    # Titles carry weight A (1.0), bodies B (0.4): title matches rank first. ts_rank, not
    # ts_rank_cd: on 2,000 candidates the cover density cost 2-15 ms more for several words.
    return func.ts_rank(tsv, _tsquery("query")).label("score")


def _in_window():
    return [docs.id > bindparam("low"), docs.id <= bindparam("high")]


def _walk(scope: tuple):
    """The newest ``remaining`` matches in (low, high], reading rows newest first."""
    candidates = (
        select(docs.id, docs.kind, docs.ref_id, _TSV.label("tsv"))
        .where(_exact(), *_in_window(), *scope)
        .order_by(docs.id.desc())
        .limit(bindparam("remaining"))
        .subquery()
    )
    c = candidates.c
    return _best(select(c.id, c.kind, c.ref_id, _score(c.tsv)))


# The indexed functions of migrations 0006 and 0010, by the variant of step they serve.
_BUCKETED = {"buckets": func.search_bucketed, "pairs": func.search_pairs}


def _window(scope: tuple, variant: str, checked: bool):
    """Every match in (low, high] through an index, then the newest ``remaining``.

    A materialised CTE, so that it is planned to find all of them, not walked for the
    first few. In the window's buckets the bucketed indexes serve the looked-up words
    (``buckets``) or phrases' pairs of words (``pairs``); otherwise the plain one does.
    What the index does not say is ``checked`` on the rows: words that must not match (in
    a GIN scan, a negated word costs reading all its entries), phrases (no index holds
    positions), words not looked up.
    """
    if variant in _BUCKETED:
        bucket_match = _BUCKETED[variant](docs.id, _TSV).op("@@")(
            cast(bindparam("buckets"), TSQUERY)
        )
        # The buckets hold the window: its bounds are checked on the rows of the two at its
        # ends, written so that no index serves them (a bitmap of the id range, ANDed with
        # the buckets', cost 5-9 ms for nothing).
        window = func.int4range(bindparam("low"), bindparam("high"), "(]").op("@>")(docs.id)
        match = [bucket_match, window]
    else:
        match = [_TSV.op("@@")(_tsquery("indexed")), *_in_window()]
    match += [_exact()] if checked else []
    # The community and kinds are checked on the rows, written so that no index serves them:
    # the indexed functions being costly on purpose, the planner, to recheck fewer rows,
    # ANDed a window's matches with a bitmap of all the community's documents of the kinds
    # (17 ms a step for nothing, at 200,000 documents).
    matches = (
        select(docs.id, docs.kind, docs.ref_id, _score(_TSV))
        .where(*match, *(func.coalesce(condition, false()) for condition in scope))
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    newest = select(matches).order_by(matches.c.id.desc()).limit(bindparam("remaining")).subquery()
    return _best(select(newest))


def _best(candidates):
    """The best ``limit`` of a step's candidates, and how many candidates it had."""
    ranked = candidates.add_columns(func.count().over().label("found")).subquery()
    c = ranked.c
    return (
        select(c.id, c.kind, c.ref_id, c.score, c.found)
        .order_by(c.score.desc(), c.id.desc())
        .limit(bindparam("limit"))
    )

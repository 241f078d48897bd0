"""PostgreSQL searches older ids in windows: whatever their sizes, the results are the same.

The candidates are the newest ``CANDIDATES`` matches however many statements find them.
On SQLite (one statement) these tests check the same results.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import storage.search
import storage.search_postgres
from bot.domain import CommunitySettings
from bot.search import Kind, Query, parse_query
from tests.conftest import START

QUERIES = [
    "polls",
    "poll",
    "polls -slido",
    '"short polls"',
    "polls remote",
    "remote",
    "cameras",
]


@pytest.fixture
async def many(db):
    """60 documents in two communities, ids interleaved; "polls" in every third, in the title
    in every ninth."""
    async with db.transaction() as tx:
        for community in ("team", "other"):
            await tx.communities.settings(CommunitySettings(community_id=community), START)
        for n in range(1, 61):
            community = "other" if n % 5 == 0 else "team"
            kind = (Kind.QUESTION, Kind.RESOURCE, Kind.SHARE)[n % 3]
            title = f"item {n} short polls" if n % 9 == 0 else f"item {n}"
            body = " ".join(
                word
                for word, every in (("polls", 3), ("remote", 4), ("slido", 6), ("cameras", 7))
                if n % every == 0
            )
            await tx.search.index(community, kind, n, title, body or "nothing")
    return db


async def found(store, text: str, kinds=tuple(Kind)) -> list[tuple[Kind, int]]:
    async with store.transaction() as tx:
        hits = await tx.search.find("team", parse_query(text), list(kinds), limit=10)
    return [(h.kind, h.ref_id) for h in hits]


@pytest.mark.parametrize("candidates", [3, 7, 2000])
async def test_the_results_do_not_depend_on_the_window_sizes(many, monkeypatch, candidates):
    monkeypatch.setattr(storage.search, "CANDIDATES", candidates)
    monkeypatch.setattr(storage.search_postgres, "WALK_IDS", 10_000)  # one statement
    expected = {q: await found(many, q) for q in QUERIES}
    expected_resources = await found(many, "polls", kinds=[Kind.RESOURCE])
    gathered = storage.search_postgres.Frequencies.density
    settings = itertools.product((1, 2, 5, 13), (0.5, 1.3, 4.0), (0, 0.2, 2), (None, 0.01, 0.3))
    if many.engine.dialect.name == "sqlite":  # the windows are PostgreSQL's alone
        settings = [(1, 1.3, 0.2, None)]
    for walk_ids, margin, dense, expected_density in settings:
        # dense 0: every window is walked; 2: none is. The expected density stands for the
        # planner's statistics, right or wrong (None: whatever the database has gathered).
        monkeypatch.setattr(storage.search_postgres, "WALK_IDS", walk_ids)
        monkeypatch.setattr(storage.search_postgres, "WINDOW_MARGIN", margin)
        monkeypatch.setattr(storage.search_postgres, "DENSE", dense)
        monkeypatch.setattr(
            storage.search_postgres.Frequencies,
            "density",
            gathered
            if expected_density is None
            else lambda self, query, share=expected_density: share,
        )
        for query, hits in expected.items():
            assert await found(many, query) == hits, (query, walk_ids, margin, dense)
        assert await found(many, "polls", kinds=[Kind.RESOURCE]) == expected_resources


async def test_only_the_newest_matches_are_ranked_and_titles_first(many, monkeypatch):
    monkeypatch.setattr(storage.search, "CANDIDATES", 4)
    monkeypatch.setattr(storage.search_postgres, "WALK_IDS", 2)
    # "polls" in team's documents: 3, 6, 9, 12, 18, 21, 24, 27, 33, 36, 39, 42, 48, 51, 54, 57;
    # the newest four are 57, 54, 51, 48, and 54 has it in its title.
    hits = await found(many, "polls")
    assert {ref for _, ref in hits} == {57, 54, 51, 48}
    assert hits[0][1] == 54


@pytest.fixture
async def across_buckets(db):
    """Documents whose ids straddle the buckets of search_bucketed (2**14 ids each)."""
    from sqlalchemy import insert

    from storage.tables import search_documents

    ids = [1, 2, 16_382, 16_383, 16_384, 16_385, 32_767, 32_768, 40_000, 49_151, 49_152, 65_536]
    async with db.transaction() as tx:
        await tx.communities.settings(CommunitySettings(community_id="team"), START)
        for n, document_id in enumerate(ids):
            await tx.conn.execute(
                insert(search_documents).values(
                    id=document_id,
                    community_id="team",
                    kind=Kind.RESOURCE.value,
                    ref_id=document_id,
                    title=f"polls {n}" if n % 4 == 0 else f"item {n}",
                    body="short polls remote" if n % 2 else "remote cameras",
                )
            )
    return db


async def test_windows_across_buckets_find_what_one_statement_finds(across_buckets, monkeypatch):
    monkeypatch.setattr(storage.search, "CANDIDATES", 5)
    monkeypatch.setattr(storage.search_postgres, "WALK_IDS", 1_000_000)  # one statement
    queries = [
        "polls",
        "remote",
        '"short polls"',
        '"polls remote"',
        '"short polls remote" remote',
        '"remote short"',  # both words in many documents, never side by side
        '"cameras remote"',
        "remote -cameras",
        "cameras",
        "pol",
        "remote short",
        "remote cameras",
        "remote OR cameras",
    ]
    expected = {q: await found(across_buckets, q) for q in queries}
    assert expected["polls"] and expected["remote short"]  # something to find
    assert expected['"polls remote"'] and not expected['"remote short"']
    # indexed share 0: the index looks up one word, the others are checked on the rows.
    # (The first window's width: see the property test below.)
    settings = itertools.product((1, 3, 2048), (0.01, 1.3), (0, 1, 16), (0.0, 10.0))
    for walk_ids, margin, max_buckets, indexed_share in settings:
        monkeypatch.setattr(storage.search_postgres, "WALK_IDS", walk_ids)
        monkeypatch.setattr(storage.search_postgres, "WINDOW_MARGIN", margin)
        monkeypatch.setattr(storage.search_postgres, "DENSE", 2)  # windows, never walked
        monkeypatch.setattr(storage.search_postgres, "MAX_BUCKETS", max_buckets)
        monkeypatch.setattr(storage.search_postgres, "INDEXED_SHARE", indexed_share)
        for query, hits in expected.items():
            assert await found(across_buckets, query) == hits, (query, walk_ids, margin)


def test_a_query_is_tagged_with_each_bucket_and_its_phrases_become_conjunctions():
    from storage.search_postgres import bucketed

    normalized = "'short' <-> 'polls' & 'remot':* & 'l''ecole'"
    assert bucketed(normalized, range(2, 0, -1)) == (
        "('2_short' & '2_polls' & '2_remot':* & '2_l''ecole')"
        " | ('1_short' & '1_polls' & '1_remot':* & '1_l''ecole')"
    )


def test_a_phrase_is_looked_up_by_its_pairs_of_words_side_by_side():
    from storage.search_postgres import pairs

    # As PostgreSQL prints to_tsquery('simple', '(a <-> b <-> c) & (d <-> e)').
    assert pairs("'a' <-> 'b' <-> 'c' & 'd' <-> 'e'") == "('a_b' & 'b_c') & ('d_e')"
    assert pairs("'l''ecole' <-> 'x'") == "('l''ecole_x')"
    # A word it dropped leaves a distance: both halves are still needed.
    assert pairs("'a' <-> 'b' <2> 'c' <-> 'd'") == "('a_b') & ('c_d')"
    # A word outside any phrase, or a prefix, is not in the pairs' index: the words' serves.
    for normalized in ("'a' <-> 'b' & 'c'", "'a' & 'b'", "'a' <-> 'b':*", "'a' <2> 'b'"):
        assert pairs(normalized) is None


def test_the_expected_density_errs_high_from_the_lexemes_shares():
    from bot.search import similarity_query
    from storage.search_postgres import Frequencies

    frequencies = Frequencies(
        ["class", "classes", "de", "polls", "remote"], [0.1, 0.2, 0.5, 0.05, 0.3], 0.001
    )
    assert frequencies.density(parse_query("class")) == pytest.approx(0.3)  # a prefix: both
    assert frequencies.density(parse_query("de")) == 0.5  # two letters: the word alone
    assert frequencies.density(parse_query("unheard")) == 0.001
    assert frequencies.density(parse_query("polls remote")) == 0.05  # the least common
    assert frequencies.density(parse_query('"remote polls"')) == 0.05
    assert frequencies.density(similarity_query("remote polls")) == pytest.approx(1 - 0.95 * 0.7)


def test_the_index_looks_up_the_rarest_words_and_leaves_the_common_ones_to_the_rows():
    from storage.search_postgres import Frequencies, indexed_expression

    frequencies = Frequencies(
        ["cette", "classer", "reussi", "sont"], [0.1, 0.01, 0.05, 0.12], 0.001
    )
    # classer (1%) first; reussi (5%) is under 10 times that; cette and sont are not.
    assert indexed_expression(parse_query("cette classer sont réussi"), frequencies) == (
        "classer:* & reussi:*",
        False,
    )
    assert indexed_expression(parse_query("classer réussi"), frequencies) == (
        "classer:* & reussi:*",
        True,
    )
    # Phrases alone are looked up (by their pairs of words), the other words checked.
    assert indexed_expression(parse_query('"classer réussi" cette'), frequencies) == (
        "(classer <-> reussi)",
        False,
    )
    # Similar questions need any one word: each is looked up.
    any_word = Query((("classer",), ("sont",)), any_group=True)
    assert indexed_expression(any_word, frequencies) == (
        "(classer:*) | (sont:*)",
        True,
    )


async def test_a_phrase_is_found_through_the_index_of_its_pairs(across_buckets, monkeypatch):
    from sqlalchemy import event

    if across_buckets.engine.dialect.name != "postgresql":
        pytest.skip("FTS5 holds positions: SQLite has no index of pairs")
    monkeypatch.setattr(storage.search, "CANDIDATES", 5)
    monkeypatch.setattr(storage.search_postgres, "WALK_IDS", 1)
    monkeypatch.setattr(storage.search_postgres, "DENSE", 2)  # windows, never walked
    sent: list[str] = []
    listener = lambda conn, cursor, statement, *rest: sent.append(statement)  # noqa: E731
    event.listen(across_buckets.engine.sync_engine, "before_cursor_execute", listener)
    try:
        phrase = await found(across_buckets, '"polls remote"')
    finally:
        event.remove(across_buckets.engine.sync_engine, "before_cursor_execute", listener)
    # The five newest documents whose body says "short polls remote" (odd places in the list).
    assert {ref for _, ref in phrase} == {65_536, 49_151, 32_768, 16_385, 16_383}
    assert any("search_pairs(" in statement for statement in sent)


async def test_a_window_finds_its_rows_through_the_index_of_its_words_alone(db, monkeypatch):
    """The community and kinds are checked on the rows. The indexed functions are costly on
    purpose (never computed over a scan), so the planner, to recheck fewer rows, ANDed a
    window's few matches with a bitmap of every document of the kind through another index:
    at 200,000 documents, 17 ms a step for nothing."""
    from sqlalchemy import event, text

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the windows are PostgreSQL's alone")
    async with db.transaction() as tx:
        await tx.communities.settings(CommunitySettings(community_id="team"), START)
        await tx.conn.execute(
            text(
                "INSERT INTO search_documents (community_id, kind, ref_id, title, body)"
                " SELECT 'team', (ARRAY['question', 'resource'])[n % 2 + 1], n, 'item',"
                " CASE WHEN n % 500 < 2 THEN 'short polls remote' ELSE 'remote cameras' END"
                " FROM generate_series(1, 40000) AS n"
            )
        )
    async with db.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE search_documents"))
    monkeypatch.setattr(storage.search_postgres, "DENSE", 2)  # windows, never walked
    sent: list[tuple[str, tuple]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", listener)
    try:
        for query in ('"short polls"', "polls"):
            assert await found(db, query, kinds=[Kind.RESOURCE])
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", listener)
    windows = [(s, p) for s, p in sent if "MATERIALIZED" in s]
    assert windows
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        for statement, parameters in windows:
            plan = "\n".join(r[0] for r in await raw.fetch("EXPLAIN " + statement, *parameters))
            assert "BitmapAnd" not in plan, plan


@st.composite
def queries(draw) -> str:
    """Words side by side in across_buckets' documents (or not), quoted or not, some excluded."""
    n = draw(st.integers(0, 11))
    title = f"polls {n}" if n % 4 == 0 else f"item {n}"
    source = (title + (" short polls remote" if n % 2 else " remote cameras")).split()
    start = draw(st.integers(0, len(source) - 1))
    words = source[start : start + draw(st.integers(1, 4))]
    words += draw(st.lists(st.sampled_from(["polls", "remote", "pol", "cameras"]), max_size=1))
    text = " ".join(words)
    quoted = '"' + text + '"' if draw(st.booleans()) else text
    return quoted + draw(st.sampled_from(["", " -cameras", " -short"]))


@given(text=queries())
@example(text='"short polls"')
@example(text='"item 3 short polls remote" -cameras')
@example(text='"remote short"')
async def test_any_phrase_or_words_find_through_windows_what_one_statement_finds(
    across_buckets, monkeypatch, text
):
    monkeypatch.setattr(storage.search, "CANDIDATES", 5)
    monkeypatch.setattr(storage.search_postgres, "WALK_IDS", 1_000_000)  # one statement
    expected = await found(across_buckets, text)
    monkeypatch.setattr(storage.search_postgres, "WALK_IDS", 1)
    monkeypatch.setattr(storage.search_postgres, "DENSE", 2)  # windows, never walked
    monkeypatch.setattr(storage.search_postgres, "FIRST_WINDOW_IDS", 1)
    assert await found(across_buckets, text) == expected, text

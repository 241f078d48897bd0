"""Search, identical on SQLite FTS5 and PostgreSQL tsvector: accents, ranking, any input."""

from __future__ import annotations

import pytest

from bot.search import Kind, parse_query
from bot.text import fold

DOCUMENTS = [
    (Kind.QUESTION, 1, "Comment évaluer les apprenants ?", "Une grille d'évaluation formative"),
    (Kind.QUESTION, 2, "Keeping remote learners engaged", "Short polls every twenty minutes"),
    (Kind.RESOURCE, 3, "example com icebreakers", "energisers warm up games"),
    (Kind.SHARE, 4, "", "I tried a café pédagogique with my learners and the évaluation went well"),
    (Kind.RESOURCE, 5, "example org evaluation grid", "grille"),
]


@pytest.fixture
async def indexed(db):
    async with db.transaction() as tx:
        from bot.domain import CommunitySettings
        from tests.conftest import START

        for community in ("team", "other"):
            await tx.communities.settings(CommunitySettings(community_id=community), START)
        for kind, ref, title, body in DOCUMENTS:
            await tx.search.index("team", kind, ref, fold(title), fold(body))
        await tx.search.index("other", Kind.QUESTION, 99, "evaluation secrete", "evaluation")
    return db


async def find(store, text: str, kinds=tuple(Kind), community="team") -> list[tuple[Kind, int]]:
    async with store.transaction() as tx:
        return [
            (h.kind, h.ref_id)
            for h in await tx.search.find(community, parse_query(text), list(kinds))
        ]


async def test_accents_do_not_matter_either_way(indexed):
    assert set(await find(indexed, "evaluation")) == set(await find(indexed, "ÉVALUATION"))
    assert (Kind.SHARE, 4) in await find(indexed, "cafe pedagogique")
    assert (Kind.SHARE, 4) in await find(indexed, "café pédagogique")


async def test_all_words_must_match_and_words_are_prefixes(indexed):
    assert await find(indexed, "remote polls") == [(Kind.QUESTION, 2)]
    assert (Kind.QUESTION, 2) in await find(indexed, "engag")
    assert await find(indexed, "remote icebreakers") == []


async def test_title_matches_rank_first(indexed):
    results = await find(indexed, "evaluation")
    assert results[0] == (Kind.RESOURCE, 5)  # the only one with the word in its title
    assert set(results[1:]) == {(Kind.QUESTION, 1), (Kind.SHARE, 4)}


async def test_phrases_and_exclusions(indexed):
    assert await find(indexed, '"short polls"') == [(Kind.QUESTION, 2)]
    assert await find(indexed, '"polls short"') == []
    assert (Kind.QUESTION, 1) not in await find(indexed, "evaluation -formative")


async def test_kinds_filter(indexed):
    assert await find(indexed, "evaluation", kinds=[Kind.RESOURCE]) == [(Kind.RESOURCE, 5)]


async def test_tag_filter_on_resources(indexed):
    async with indexed.transaction() as tx:
        from datetime import UTC, datetime

        resource = await tx.resources.add(
            "team", "https://example.com/grid", "alice", None, datetime.now(UTC)
        )
        await tx.resources.add_details(resource, ["assessment"], "", "alice", datetime.now(UTC))
        await tx.search.index("team", Kind.RESOURCE, resource.id, "grid", "assessment")
        hits = await tx.search.find("team", parse_query(""), [Kind.RESOURCE], tag="assessment")
    assert [h.ref_id for h in hits] == [resource.id]


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '""',
        "-",
        "*",
        "NEAR(",
        "NEAR(a b",
        "a OR",
        "OR",
        "AND NOT",
        "!!!",
        "",
        "   ",
        "(",
        ")",
        "':*",
        "a & b | !c",
        "col:evaluation",
        "^start",
        "évaluation*",
        "x" * 500,
        "🔥",
        "\\",
        "%",
        "_",
        "' OR 1=1 --",
        "title:evaluation",
        "{evaluation}",
        "évaluation NEAR/3 grille",
        "<->",
        "a:* & b",
    ],
)
async def test_any_input_is_a_valid_query(indexed, text):
    await find(indexed, text)


async def test_one_community_never_sees_anothers_documents(indexed):
    assert (Kind.QUESTION, 99) not in await find(indexed, "evaluation")
    assert await find(indexed, "secrete") == []
    assert await find(indexed, "secrete", community="other") == [(Kind.QUESTION, 99)]


async def test_reindexing_replaces_and_unindexing_removes(indexed):
    async with indexed.transaction() as tx:
        await tx.search.index("team", Kind.QUESTION, 2, "hybrid classrooms", "cameras")
    assert await find(indexed, "remote polls") == []
    assert await find(indexed, "hybrid") == [(Kind.QUESTION, 2)]
    async with indexed.transaction() as tx:
        await tx.search.unindex("team", Kind.QUESTION, 2)
    assert await find(indexed, "hybrid") == []


async def test_only_the_most_recent_matches_are_ranked_when_there_are_very_many(
    indexed, monkeypatch
):
    import storage.search

    monkeypatch.setattr(storage.search, "CANDIDATES", 2)
    # Three documents mention "evaluation"; the two indexed last are ranked, best first.
    assert set(await find(indexed, "evaluation")) == {(Kind.SHARE, 4), (Kind.RESOURCE, 5)}
    assert (await find(indexed, "evaluation"))[0] == (Kind.RESOURCE, 5)


async def test_common_words_are_left_out_when_other_words_remain(indexed):
    assert await find(indexed, "how to cook for remote learners") == []  # "cook" is in no document
    assert await find(indexed, "the remote learners") == [(Kind.QUESTION, 2)]

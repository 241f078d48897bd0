"""Communities are isolated: what one community stores is never visible from another."""

from __future__ import annotations

from tests.conftest import START, make_community


async def test_nothing_of_one_community_is_visible_from_another(db):
    team = make_community(db, "team", resources_channel="resources")
    other = make_community(db, "other", chat=team.chat, clock=team.clock)
    card = await team.ask("alice", "How do I run a retrospective? #retro")
    answer = await team.reply("bob", card, "Start-stop-continue works well")
    await team.react("alice", answer, "white_check_mark")
    await team.command("alice", "share", "https://example.com/retro-guide #retro Nice guide")
    await team.command("olga", "entraide", "topics add retro")

    # The other community searches, lists, exports and counts: it finds nothing of team's.
    for name, text in [
        ("search", "retrospective"),
        ("resources", ""),
        ("resources", "#retro"),
        ("search", "retro"),
    ]:
        reply = await other.command("zoe", name, text)
        assert "retro" not in reply.plain_text().lower(), (name, text)
    from bot.export import community_knowledge

    async with db.transaction() as tx:
        exported = await community_knowledge(tx, "other")
        assert exported["questions"] == exported["resources"] == exported["practice_shares"] == []
        assert await tx.reports.credits("other") == {}
        assert await tx.questions.by_message("other", card) is None
        assert await tx.questions.answer_by_message("other", answer) is None
        assert await tx.communities.topic_followers("other", ["retro"]) == {}
        assert await tx.routing.expertise("other", ["retro"], START) == []

    # Reacting from the other community to team's messages has no effect on team's data.
    await other.react("zoe", answer, "white_check_mark")
    async with db.transaction() as tx:
        assert (await tx.questions.answers("team", 1))[0].helpful_count == 0
    # Sharing the same link in the other community is new there, not a duplicate.
    reply = await other.command("zoe", "share", "https://example.com/retro-guide")
    assert "Saved" in reply.plain_text()


async def test_items_looked_up_by_id_belong_to_the_community_asked(db):
    """Hits are loaded by primary key alone (see storage.sql); another community's
    ids find nothing."""
    team = make_community(db, "team")
    other = make_community(db, "other", chat=team.chat, clock=team.clock)
    card = await team.ask("alice", "How do I run a retrospective?")
    answer = await team.reply("bob", card, "Start-stop-continue works well")
    await team.react("alice", answer, "white_check_mark")
    await team.command("alice", "share", "https://example.com/retro-guide #retro Nice guide")
    await other.command("zoe", "share", "https://example.com/other")
    async with db.transaction() as tx:
        ids = [1, 2, 3, 4, 5]  # more than three: SQLite's plan changes at four
        assert set(await tx.questions.by_ids("team", ids)) == {1}
        assert await tx.questions.by_ids("other", ids) == {}
        [(question, accepted)] = (await tx.questions.with_accepted("team", ids)).values()
        assert accepted is not None and accepted.text == "Start-stop-continue works well"
        assert accepted.helpful_count == 0 and question.accepted_answer_id == accepted.id
        assert await tx.questions.with_accepted("other", ids) == {}
        team_resources = await tx.resources.by_ids("team", ids)
        other_resources = await tx.resources.by_ids("other", ids)
        assert [r.url for r in team_resources.values()] == ["https://example.com/retro-guide"]
        assert [r.url for r in other_resources.values()] == ["https://example.com/other"]
        assert await tx.practice.shares_by_ids("other", ids) == {}

"""Reactions added while the bot was offline, read back from Discord on start for open questions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from adapters.discord import reconcile
from bot.domain import MarkKind, QuestionStatus
from tests.adapters.discord import payloads
from tests.adapters.discord.conftest import COMMUNITY, Bot, make_adapter, settle

OTHER_BOT = "1180000000000000999"
REACTIONS = r"/channels/\d+/messages/\d+/reactions/[^/]+"


@pytest.fixture
async def restart(bot: Bot) -> AsyncIterator[Callable[[], Awaitable[Bot]]]:
    """Stop the bot, then start a new process on the same server and database, as after downtime.

    The new process remembers nothing in memory (where messages live, who is who):
    only the database and what Discord answers. It is started the real way, on
    FakeDiscord's gateway, and its reconciliation is awaited before it is returned.
    """
    started: list[Bot] = []

    async def again() -> Bot:
        await bot.adapter.stop()
        adapter, core = make_adapter(bot.store, bot.fake)
        # discord.py waits this long after the last GUILD_CREATE before it is ready (2 s by default).
        adapter.client._connection.guild_ready_timeout = 0.05
        await adapter.start()
        started.append(Bot(adapter, bot.fake, core, bot.store))
        task = adapter.reconcile_in_background()  # the one start() launched, still running or done
        assert task is not None
        await task
        await settle(adapter)
        await adapter.entraide.deliver_due()
        return started[-1]

    try:
        yield again
    finally:
        for restarted in started:
            await restarted.adapter.stop()


async def asked_and_answered(
    bot: Bot, question: str = "How do I keep learners engaged?"
) -> tuple[str, str]:
    card = await bot.ask(question)
    return card, await bot.answer(card, "Short polls every 20 minutes")


async def marks(bot: Bot, message: str, kind: MarkKind) -> int:
    async with bot.store.transaction() as tx:
        return await tx.marks.count(COMMUNITY, message, kind)


def changes(bot: Bot) -> list[tuple[str, str]]:
    """Every call that changed something on Discord (posts, edits, reactions, threads)."""
    return [(c.method, c.path) for c in bot.fake.calls if c.method != "GET"]


async def test_reactions_added_while_offline_are_counted_on_start_and_only_once(bot, restart):
    """The asker's ✅ accepts, others' ✅ and 👀 count; reconciling again changes nothing."""
    card1, answer1 = await asked_and_answered(bot, "How do I keep learners engaged?")
    card2, answer2 = await asked_and_answered(bot, "How long should a session last?")
    # While the bot is down: Alice (who asked both) accepts the first answer, others react.
    bot.fake.add_reaction(card1, answer1, "✅", payloads.ALICE)
    bot.fake.add_reaction(card1, answer1, "✅", payloads.CAROL)
    bot.fake.add_reaction(card2, answer2, "✅", payloads.DAVE)
    bot.fake.add_reaction(payloads.HELP, card2, "👀", payloads.CAROL)

    restarted = await restart()

    first, second = await restarted.question(1), await restarted.question(2)
    assert first.status is QuestionStatus.RESOLVED and first.accepted_answer_id == 1
    assert second.status is QuestionStatus.ANSWERED
    assert [a.helpful_count for a in await restarted.answers(1)] == [1]
    assert [a.helpful_count for a in await restarted.answers(2)] == [1]
    assert await marks(restarted, card2, MarkKind.ME_TOO) == 1
    assert "1 other member(s)" in str(restarted.fake.messages[card2]["embeds"])
    note = restarted.fake.posted_in(card1)[-1]
    assert note["content"] == f"This answer by <@{payloads.BOB}> was accepted. Thank you!"
    # Answers were read in their question's thread, cards in the help channel.
    assert restarted.fake.calls_to("GET", rf"/channels/{card2}/messages/{answer2}/reactions/✅")
    assert restarted.fake.calls_to(
        "GET", rf"/channels/{payloads.HELP}/messages/{card2}/reactions/👀"
    )

    before, reads = changes(restarted), len(restarted.fake.calls_to("GET", REACTIONS))
    assert await restarted.adapter.reconcile_reactions() == 2  # Dave's ✅ and Carol's 👀, again
    await settle(restarted.adapter)
    assert len(restarted.fake.calls_to("GET", REACTIONS)) > reads  # read again: question 2 is open
    assert changes(restarted) == before
    assert [a.helpful_count for a in await restarted.answers(2)] == [1]
    assert await marks(restarted, card2, MarkKind.ME_TOO) == 1
    assert (await restarted.question(1)).status is QuestionStatus.RESOLVED


async def test_a_reopened_question_stays_open_after_a_restart(bot, restart):
    """The asker accepted, then reopened: their ✅ is still on the answer, and reading it back
    at the next start neither resolves the question again nor posts a second note."""
    from bot.questions.card import REOPEN

    card, answer = await asked_and_answered(bot)
    bot.fake.add_reaction(card, answer, "✅", payloads.ALICE)
    await bot.feed("MESSAGE_REACTION_ADD", payloads.reaction(answer, card, payloads.ALICE))
    assert (await bot.question()).status is QuestionStatus.RESOLVED
    notes = len(bot.fake.posted_in(card))
    await bot.feed("INTERACTION_CREATE", payloads.button(f"entraide|{payloads.GUILD}|{REOPEN}|1"))
    assert (await bot.question()).status is QuestionStatus.ANSWERED

    restarted = await restart()

    question = await restarted.question()
    assert question.status is QuestionStatus.ANSWERED and question.accepted_answer_id is None
    assert len(restarted.fake.posted_in(card)) == notes


async def test_an_organisers_reaction_while_offline_accepts_like_a_live_one(bot, restart):
    """The member is fetched as for a removal: Manage Server from their roles makes it an acceptance."""
    card, answer = await asked_and_answered(bot)
    bot.fake.add_reaction(card, answer, "✅", payloads.OLGA)
    restarted = await restart()
    assert (await restarted.question()).status is QuestionStatus.RESOLVED
    assert restarted.fake.calls_to("GET", rf"/guilds/{payloads.GUILD}/members/{payloads.OLGA}")


async def test_a_forbidden_message_is_skipped_and_the_others_are_still_read(bot, caplog):
    """A 403 on one answer's reactions is logged; the next answer's reactions still count."""
    card1, answer1 = await asked_and_answered(bot, "How do I keep learners engaged?")
    card2, answer2 = await asked_and_answered(bot, "How long should a session last?")
    bot.fake.add_reaction(card1, answer1, "✅", payloads.CAROL)
    bot.fake.add_reaction(card2, answer2, "✅", payloads.CAROL)
    # Question 2 is read first (the most recent): the 403 comes before question 1's answer.
    bot.fake.fail("GET", rf"/channels/{card2}/messages/{answer2}/reactions/.+", 403, code=50001)

    with caplog.at_level(logging.INFO, logger="adapters.discord"):
        assert await bot.adapter.reconcile_reactions() == 1
    await settle(bot.adapter)

    assert [a.helpful_count for a in await bot.answers(1)] == [1]
    assert [a.helpful_count for a in await bot.answers(2)] == [0]
    assert any(f"{answer2} in {COMMUNITY} not readable" in r.getMessage() for r in caplog.records)
    assert any("1 replayed" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_server_error_or_a_missing_message_does_not_stop_reconciliation(bot):
    """5xx after retries and 404 are each logged and skipped; the remaining messages are read."""
    card1, answer1 = await asked_and_answered(bot, "How do I keep learners engaged?")
    card2, answer2 = await asked_and_answered(bot, "How long should a session last?")
    bot.fake.add_reaction(card1, answer1, "✅", payloads.CAROL)
    bot.fake.fail("GET", rf"/channels/{payloads.HELP}/messages/{card2}/reactions/.+", 503, times=9)
    bot.fake.fail("GET", rf"/channels/{card2}/messages/{answer2}/reactions/.+", 404, code=10008)
    assert await bot.adapter.reconcile_reactions() == 1
    await settle(bot.adapter)
    assert [a.helpful_count for a in await bot.answers(1)] == [1]


async def test_reactions_of_bots_are_ignored(bot, restart):
    """The bot's own ✅ and another bot's count for nothing, and no member is fetched for them."""
    card, answer = await asked_and_answered(bot)
    bot.fake.add_reaction(card, answer, "✅", payloads.BOT, bot=True)
    bot.fake.add_reaction(card, answer, "✅", OTHER_BOT, bot=True)
    bot.fake.add_reaction(payloads.HELP, card, "👀", OTHER_BOT, bot=True)
    restarted = await restart()
    assert (await restarted.question()).status is QuestionStatus.ANSWERED
    assert [a.helpful_count for a in await restarted.answers()] == [0]
    assert await marks(restarted, card, MarkKind.ME_TOO) == 0
    assert not restarted.fake.calls_to("GET", rf"/guilds/{payloads.GUILD}/members/\d+")


async def test_reactions_are_read_page_by_page_up_to_the_limit(bot, monkeypatch):
    """Pages follow each other with ``after``; past the per-message limit the rest is left."""
    monkeypatch.setattr(reconcile, "PAGE", 2)
    monkeypatch.setattr(reconcile, "USERS_PER_MESSAGE", 4)
    card, answer = await asked_and_answered(bot)
    reactors = [payloads.CAROL, payloads.DAVE, payloads.OLGA, payloads.snowflake()]
    for member in [*reactors, payloads.snowflake()]:
        bot.fake.add_reaction(card, answer, "✅", member)

    assert await bot.adapter.reconcile_reactions() == 4
    await settle(bot.adapter)

    pages = bot.fake.calls_to("GET", rf"/channels/{card}/messages/{answer}/reactions/✅")
    assert [call.query for call in pages] == [
        {"limit": "2"},
        {"limit": "2", "after": payloads.DAVE},
    ]
    async with bot.store.transaction() as tx:
        helpful = await tx.marks.count(COMMUNITY, answer, MarkKind.HELPFUL)
        accepted = await tx.marks.count(COMMUNITY, answer, MarkKind.ACCEPTED)
    assert (helpful, accepted) == (3, 1)  # Olga has Manage Server: hers is an acceptance


async def test_stop_during_reconciliation_ends_it_cleanly(bot, caplog):
    """Discord not answering a read: stop() cancels the reconciliation and closes without errors."""
    card, answer = await asked_and_answered(bot)
    bot.fake.add_reaction(card, answer, "✅", payloads.CAROL)
    bot.fake.fail("GET", REACTIONS, 200, hang=True)

    with caplog.at_level(logging.INFO):
        task = bot.adapter.reconcile_in_background()
        assert task is not None
        await asyncio.wait_for(bot.fake.hanging.wait(), timeout=5)
        await asyncio.wait_for(bot.adapter.stop(), timeout=5)

    assert task.cancelled()
    assert bot.adapter.client.is_closed()
    assert [a.helpful_count for a in await bot.answers()] == [0]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert bot.adapter.reconcile_in_background() is None  # stopped: nothing starts again


async def test_answers_are_found_in_their_thread_when_both_emoji_are_the_same(bot, restart):
    """✅ for me-too and helpful alike: each message is still read where it lives, and counts once."""
    await bot.feed(
        "INTERACTION_CREATE",
        payloads.slash("entraide", member_id=payloads.OLGA, command="config me-too-emoji ✅"),
    )
    card, answer = await asked_and_answered(bot)
    bot.fake.add_reaction(payloads.HELP, card, "✅", payloads.DAVE)
    bot.fake.add_reaction(card, answer, "✅", payloads.CAROL)
    restarted = await restart()
    assert await marks(restarted, card, MarkKind.ME_TOO) == 1
    assert [a.helpful_count for a in await restarted.answers()] == [1]


async def test_a_forum_posts_reactions_are_read_in_the_post(bot, restart):
    """In a forum help channel the card is the post's first message: read in the post, like its answers."""
    await bot.feed(
        "INTERACTION_CREATE",
        payloads.slash(
            "entraide", member_id=payloads.OLGA, command=f"config help-channel <#{payloads.FORUM}>"
        ),
    )
    post, answer = await asked_and_answered(bot)
    bot.fake.add_reaction(post, post, "👀", payloads.DAVE)
    bot.fake.add_reaction(post, answer, "✅", payloads.ALICE)
    restarted = await restart()
    assert await marks(restarted, post, MarkKind.ME_TOO) == 1
    assert (await restarted.question()).status is QuestionStatus.RESOLVED

"""Answers in threads (MESSAGE_CREATE, THREAD_CREATE), threads opened late, and forum help channels."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain import QuestionStatus
from bot.questions.card import REOPEN
from tests.adapters.discord import payloads
from tests.adapters.discord.conftest import COMMUNITY, reply_text, settle
from tests.adapters.discord.fake_discord import REQUIRE_TAG


async def use_forum(bot) -> None:
    await bot.feed(
        "INTERACTION_CREATE",
        payloads.slash(
            "entraide", member_id=payloads.OLGA, command=f"config help-channel <#{payloads.FORUM}>"
        ),
    )


async def test_a_reply_in_the_questions_thread_is_an_answer(bot):
    """THREAD_CREATE then MESSAGE_CREATE in it: the reply is recorded and the card says answered."""
    card = await bot.ask()
    await bot.feed("THREAD_CREATE", payloads.thread_created(card, payloads.HELP))
    await bot.answer(card, "Short polls every 20 minutes")
    assert [a.text for a in await bot.answers()] == ["Short polls every 20 minutes"]
    assert (await bot.question()).status is QuestionStatus.ANSWERED
    assert "Status: answered" in str(bot.fake.messages[card]["embeds"])


async def test_a_reply_in_a_thread_missing_from_the_cache_is_still_an_answer(bot):
    """A thread discord.py never saw (e.g. after a restart) is recognised by its id alone."""
    card = await bot.ask()
    await bot.answer(card, "Breakout rooms")
    assert [a.text for a in await bot.answers()] == ["Breakout rooms"]


async def test_attachments_are_part_of_an_answer(bot):
    """A reply that is only a picture is recorded with the picture's link."""
    card = await bot.ask()
    reply = payloads.message(card, "")
    reply["attachments"] = [
        {
            "id": payloads.snowflake(),
            "filename": "board.png",
            "size": 1024,
            "url": "https://cdn.discordapp.com/attachments/1/2/board.png",
            "proxy_url": "https://media.discordapp.net/attachments/1/2/board.png",
        }
    ]
    await bot.feed("MESSAGE_CREATE", reply)
    assert (await bot.answers())[0].text == "https://cdn.discordapp.com/attachments/1/2/board.png"


async def test_messages_outside_threads_and_system_messages_are_not_answers(bot):
    """A message in a channel, and Discord's own notices in a thread, are no answers."""
    card = await bot.ask()
    await bot.feed("MESSAGE_CREATE", payloads.message(payloads.HELP, "Hello everyone"))
    notice = payloads.message(card, "")
    notice["type"] = 18  # "started a thread"
    await bot.feed("MESSAGE_CREATE", notice)
    assert await bot.answers() == []


async def test_the_same_message_delivered_twice_is_one_answer(bot):
    """A message replayed by the gateway is recorded once."""
    card = await bot.ask()
    reply = payloads.message(card, "Short polls")
    await bot.feed("MESSAGE_CREATE", reply)
    await bot.feed("MESSAGE_CREATE", reply)
    assert len(await bot.answers()) == 1


async def test_in_a_forum_help_channel_each_question_is_a_forum_post(bot):
    """The post is a thread and its first message at once; its id is the question's message id."""
    await use_forum(bot)
    event = payloads.slash("ask", question="Which LMS do you use?")
    await bot.feed("INTERACTION_CREATE", event)
    (post,) = bot.fake.calls_to("POST", rf"/channels/{payloads.FORUM}/threads")
    assert post.json["name"] == "Q1 · Which LMS do you use?"
    assert post.json["message"]["allowed_mentions"] == {"parse": []}
    card = (await bot.question()).message_id
    assert bot.fake.channels[card]["parent_id"] == payloads.FORUM
    assert f"<#{payloads.FORUM}>" in reply_text(bot.reply_to(event))
    await bot.answer(card, "Moodle, and we like it")
    assert (await bot.question()).status is QuestionStatus.ANSWERED
    assert "Status: answered" in str(bot.fake.messages[card]["embeds"])


async def test_a_resolved_forum_question_gets_the_solved_tag_and_loses_it_when_reopened(bot):
    """The forum's "Solved" tag follows the question: on when resolved, off when reopened."""
    await use_forum(bot)
    await bot.feed("INTERACTION_CREATE", payloads.slash("ask", question="Which LMS do you use?"))
    card = (await bot.question()).message_id
    answer = await bot.answer(card, "Moodle")
    await bot.feed("MESSAGE_REACTION_ADD", payloads.reaction(answer, card, payloads.ALICE))
    assert (await bot.question()).status is QuestionStatus.RESOLVED
    assert bot.fake.channels[card]["applied_tags"] == [payloads.SOLVED_TAG]
    await bot.feed(
        "INTERACTION_CREATE", payloads.button(f"entraide|{payloads.GUILD}|{REOPEN}|1", channel=card)
    )
    assert bot.fake.channels[card]["applied_tags"] == []


async def test_a_roundup_in_a_forum_is_one_post_linking_to_the_questions_posts(bot):
    """A forum has no messages of its own: the day's round-up is a post of its own, whose
    links lead to each question's post (not a reply bumping each question's post)."""
    await use_forum(bot)
    await bot.feed("INTERACTION_CREATE", payloads.slash("ask", question="Which LMS do you use?"))
    card = (await bot.question()).message_id
    bot.core.clock.advance(timedelta(hours=25))
    await bot.run_due()
    question_post, roundup = bot.fake.calls_to("POST", rf"/channels/{payloads.FORUM}/threads")
    assert roundup.json["name"] == "Questions waiting for an answer"
    [embed] = roundup.json["message"]["embeds"]
    link = f"[Which LMS do you use?](https://discord.com/channels/{payloads.GUILD}/{card})"
    assert link in embed["description"]
    assert len(bot.fake.posted_in(card)) == 1  # the question's post itself, nothing added


async def test_questions_are_kept_apart_per_server(bot):
    """The community is the server: its id is in every command."""
    await bot.ask()
    async with bot.store.transaction() as tx:
        assert [q.community_id for q in await tx.questions.all(COMMUNITY)] == [COMMUNITY]


async def forum_with(bot, *, tags: list[tuple[str, str, bool]], require_tag: bool) -> None:
    """The help forum, changed by a moderator (CHANNEL_UPDATE): its tags, and whether posts need one."""
    forum = bot.fake.channels[payloads.FORUM]
    forum["flags"] = REQUIRE_TAG if require_tag else 0
    forum["available_tags"] = [
        {"id": tag_id, "name": name, "moderated": moderated, "emoji_id": None, "emoji_name": None}
        for tag_id, name, moderated in tags
    ]
    await bot.feed("CHANNEL_UPDATE", forum)
    await use_forum(bot)


ONBOARDING = ("1180000000000000015", "Onboarding", False)
SOLVED = (payloads.SOLVED_TAG, "Solved", True)
OPEN = ("1180000000000000016", "Open question", False)


async def test_a_forum_post_gets_the_forum_tags_named_like_the_questions_tags(bot):
    """A question tagged #onboarding gets the forum's Onboarding tag, required or not."""
    await forum_with(bot, tags=[SOLVED, ONBOARDING], require_tag=False)
    await bot.feed(
        "INTERACTION_CREATE", payloads.slash("ask", question="First day?", tags="onboarding")
    )
    card = (await bot.question()).message_id
    assert bot.fake.channels[card]["applied_tags"] == [ONBOARDING[0]]


async def test_a_forum_that_requires_a_tag_gets_its_open_tag_else_its_first(bot):
    """No tag of the question matches: "Open question" if the forum has it, else its first tag."""
    await forum_with(bot, tags=[SOLVED, ONBOARDING, OPEN], require_tag=True)
    await bot.feed("INTERACTION_CREATE", payloads.slash("ask", question="Which LMS?"))
    assert bot.fake.channels[(await bot.question(1)).message_id]["applied_tags"] == [OPEN[0]]
    await forum_with(bot, tags=[SOLVED, ONBOARDING], require_tag=True)
    await bot.feed("INTERACTION_CREATE", payloads.slash("ask", question="Which camera?"))
    assert bot.fake.channels[(await bot.question(2)).message_id]["applied_tags"] == [ONBOARDING[0]]


async def test_a_forum_that_requires_a_tag_it_lacks_is_explained_in_the_members_language(bot):
    """Only the Solved tag exists: Discord refuses the post, and the asker is told why, privately
    and in French, the language their Discord is in."""
    await forum_with(bot, tags=[SOLVED], require_tag=True)
    event = payloads.slash("ask", question="Quel LMS ?", locale="fr")
    await bot.feed("INTERACTION_CREATE", event)
    told = " ".join(reply_text(m) for m in bot.fake.posted_in(bot.fake.dm_channel(payloads.ALICE)))
    assert "ce forum exige une étiquette" in told
    assert "A tag is required" not in told and "40067" not in told
    assert (await bot.question()).message_id is None


async def test_a_reply_before_the_card_is_recorded_is_an_answer_once_it_is(bot):
    """Discord made the card and its answer is slow to come: Bob opens the card's thread and
    replies before Entraide knows the card. The reply is kept; once the card is found by its
    nonce and recorded, the next tick counts it, as of when Bob wrote it."""
    bot.fake.fail("POST", f"/channels/{payloads.HELP}/messages", 200, after_effect=True, hang=True)
    asking = asyncio.create_task(
        bot.feed("INTERACTION_CREATE", payloads.slash("ask", question="Which LMS?"))
    )
    await bot.fake.hanging.wait()  # the card is in #help; the answer has not come
    [card] = bot.fake.posted_in(payloads.HELP)
    written_at = bot.core.clock.now()
    reply = payloads.message(card["id"], "Moodle works well")
    for event, data in (
        ("THREAD_CREATE", payloads.thread_created(card["id"], payloads.HELP)),
        ("MESSAGE_CREATE", reply),
    ):
        bot.adapter.client._connection.parsers[event](data)
    await settle(bot.adapter)
    assert await bot.answers() == []

    await asking  # the call times out; the card is found by its nonce and recorded
    bot.core.clock.set(written_at + timedelta(seconds=30))
    await bot.run_due()
    assert (await bot.question()).message_id == card["id"]
    [answer] = await bot.answers()
    assert (answer.text, answer.created_at) == ("Moodle works well", written_at)
    assert (await bot.question()).status is QuestionStatus.ANSWERED
    assert bot.fake.posted_in(payloads.HELP) == [card]

"""DiscordChat against FakeDiscord's failures: retried once-only posts, plain refusals, no pings."""

from __future__ import annotations

import pytest

from bot.ports import ChatError, ChatUnavailable
from bot.replies import Message, plain
from tests.adapters.discord import payloads
from tests.adapters.discord.conftest import COMMUNITY, reply_text

HELP_MESSAGES = rf"/channels/{payloads.HELP}/messages"
NOTE = Message(lines=((plain("A note"),),))


async def ask(bot) -> dict:
    event = payloads.slash("ask", question="How do I keep learners engaged?")
    await bot.feed("INTERACTION_CREATE", event)
    return event


def nonces(bot) -> list[tuple[str, bool]]:
    return [
        (c.json["nonce"], c.json["enforce_nonce"]) for c in bot.fake.calls_to("POST", HELP_MESSAGES)
    ]


async def test_a_post_whose_answer_was_lost_to_a_5xx_appears_once(bot):
    """Discord made the post but answered 503: the retry carries the same nonce and gets that post."""
    bot.fake.fail("POST", HELP_MESSAGES, 503, after_effect=True)
    event = await ask(bot)
    assert len(bot.fake.posted_in(payloads.HELP)) == 1
    (first, second) = nonces(bot)
    assert first == second and first[1] is True
    assert "is on its way to" in reply_text(bot.reply_to(event))


async def test_a_500_is_retried_by_discord_py_itself_and_appears_once(bot):
    """discord.py's own retry of a 500 resends the same body, nonce included."""
    bot.fake.fail("POST", HELP_MESSAGES, 500, after_effect=True)
    await ask(bot)
    assert len(bot.fake.posted_in(payloads.HELP)) == 1
    assert len(set(nonces(bot))) == 1


async def test_a_post_that_times_out_is_retried_and_appears_once(bot):
    """No answer within the time-out: tried again, and the nonce keeps it to one post."""
    bot.fake.fail("POST", HELP_MESSAGES, 200, after_effect=True, hang=True)
    await ask(bot)
    assert len(bot.fake.posted_in(payloads.HELP)) == 1
    assert len(nonces(bot)) == 2


async def test_a_rate_limited_post_waits_and_goes_through(bot):
    """A short 429 is waited out by discord.py, then the post is made."""
    bot.fake.fail("POST", HELP_MESSAGES, 429)
    await ask(bot)
    assert len(bot.fake.posted_in(payloads.HELP)) == 1


async def test_a_long_rate_limit_is_left_to_the_core_with_its_delay(bot):
    """Longer than discord.py may wait: ChatUnavailable says how long, for the core's pacing."""
    bot.fake.fail("POST", HELP_MESSAGES, 429, retry_after=120.0)
    with pytest.raises(ChatUnavailable) as raised:
        await bot.adapter.chat.post(COMMUNITY, payloads.HELP, NOTE)
    assert raised.value.retry_after == 120.0


def told_privately(bot, member: str) -> str:
    return " ".join(reply_text(m) for m in bot.fake.posted_in(bot.fake.dm_channel(member)))


async def test_a_forbidden_channel_is_told_in_plain_words_and_not_retried(bot):
    """403 Missing Permissions: one attempt, the question kept, the asker told why."""
    bot.fake.fail("POST", HELP_MESSAGES, 403, code=50013)
    await ask(bot)
    assert len(bot.fake.calls_to("POST", HELP_MESSAGES)) == 1
    assert "the bot lacks a permission there" in told_privately(bot, payloads.ALICE)
    question = await bot.question()
    assert question is not None and question.message_id is None


async def test_discord_down_is_retried_a_bounded_number_of_times_then_left_to_the_core(bot):
    """Three attempts, then the core keeps the question to post when Discord answers again."""
    bot.fake.fail("POST", HELP_MESSAGES, 503, times=10)
    await ask(bot)
    assert len(bot.fake.calls_to("POST", HELP_MESSAGES)) == 3
    assert "not answering right now" in told_privately(bot, payloads.ALICE)
    assert (await bot.question()).message_id is None


async def test_nothing_the_bot_sends_can_ping_anyone(bot):
    """allowed_mentions none on every send, edit, forum post and reply; members' @everyone is inert."""
    card = await bot.ask()
    answer = await bot.answer(card, "@everyone try short polls")
    await bot.feed("MESSAGE_REACTION_ADD", payloads.reaction(answer, card, payloads.ALICE))
    search = payloads.slash("search", member_id=payloads.CAROL, query="polls")
    await bot.feed("INTERACTION_CREATE", search)
    await bot.feed(
        "INTERACTION_CREATE",
        payloads.slash(
            "entraide", member_id=payloads.OLGA, command=f"config help-channel <#{payloads.FORUM}>"
        ),
    )
    await bot.ask("Which LMS do you use?")
    await bot.adapter.chat.send_private(COMMUNITY, payloads.BOB, NOTE)

    bodies = bot.fake.sent_bodies()
    assert len(bodies) >= 8
    assert all(body["allowed_mentions"] == {"parse": []} for body in bodies)
    found = reply_text(bot.reply_to(search))
    assert "@\u200beveryone" in found and "@everyone" not in found


async def test_posting_in_a_thread_that_was_never_opened_opens_it_first(bot):
    """The card's thread failed to open; the first post in it opens it, named after the card."""
    bot.fake.fail("POST", rf"{HELP_MESSAGES}/\d+/threads", 403, code=50013)
    card = await bot.ask()
    assert card not in bot.fake.channels
    await bot.adapter.chat.post(COMMUNITY, payloads.HELP, NOTE, thread_id=card)
    assert bot.fake.channels[card]["name"] == "Q1 · How do I keep learners engaged?"
    assert bot.fake.posted_in(card)[0]["content"] == "A note"


async def test_a_forum_post_whose_answer_was_lost_is_not_posted_twice(bot):
    """A forum post takes no nonce: after a lost answer, the adapter finds the post it made."""
    await bot.feed(
        "INTERACTION_CREATE",
        payloads.slash(
            "entraide", member_id=payloads.OLGA, command=f"config help-channel <#{payloads.FORUM}>"
        ),
    )
    bot.fake.fail("POST", rf"/channels/{payloads.FORUM}/threads", 503, after_effect=True)
    card = await bot.ask("Which LMS do you use?")
    posts = [c for c in bot.fake.channels.values() if c.get("parent_id") == payloads.FORUM]
    assert [post["id"] for post in posts] == [card]
    assert len(bot.fake.calls_to("POST", rf"/channels/{payloads.FORUM}/threads")) == 1


async def test_a_member_who_refuses_direct_messages_is_reported_plainly(bot):
    """403 50007 on a DM: a ChatError the core can log or tell."""
    bot.fake.fail("POST", r"/channels/\d+/messages", 403, code=50007)
    with pytest.raises(ChatError, match="does not accept direct messages"):
        await bot.adapter.chat.send_private(COMMUNITY, payloads.BOB, NOTE)


async def test_a_channel_setting_that_is_no_discord_channel_is_reported(bot):
    """A channel typed as a name, not picked with #, is refused before any call."""
    with pytest.raises(ChatError, match="#help is not a channel there"):
        await bot.adapter.chat.post(COMMUNITY, "help", NOTE)


async def test_a_deleted_message_is_fetched_as_none(bot):
    """fetch_message: gone is None, not an error."""
    assert await bot.adapter.chat.fetch_message(COMMUNITY, payloads.GENERAL, "1") is None


async def test_a_members_message_is_fetched_with_its_author_and_text(bot):
    """fetch_message reads who wrote it and what it says."""
    message = payloads.snowflake()
    bot.fake.add_message(payloads.GENERAL, message, payloads.BOB, "See https://example.com")
    fetched = await bot.adapter.chat.fetch_message(COMMUNITY, payloads.GENERAL, message)
    assert (fetched.author_id, fetched.text) == (payloads.BOB, "See https://example.com")


async def test_a_post_made_before_discord_forgot_its_nonce_is_found_by_its_content(bot):
    """A claim taken over after its lease: Discord's nonce memory lasts minutes, so the
    channel's recent messages are read for the bot's post with the same content."""
    from datetime import UTC, datetime, timedelta

    since = datetime.now(UTC) - timedelta(seconds=5)
    made = await bot.adapter.chat.post(COMMUNITY, payloads.HELP, NOTE, key="k1")
    bot.fake.forget_nonces()
    chat = bot.adapter.chat
    assert await chat.find_post(COMMUNITY, payloads.HELP, "k1", since, message=NOTE) == made
    other = Message(lines=((plain("Another note"),),))
    assert await chat.find_post(COMMUNITY, payloads.HELP, "k2", since, message=other) is None


async def test_every_attempt_of_a_delivery_carries_its_key_as_the_nonce(bot):
    bot.fake.fail("POST", HELP_MESSAGES, 503, after_effect=True)
    await bot.adapter.chat.post(COMMUNITY, payloads.HELP, NOTE, key="delivery-key")
    assert nonces(bot) == [("delivery-key", True), ("delivery-key", True)]
    assert len(bot.fake.posted_in(payloads.HELP)) == 1

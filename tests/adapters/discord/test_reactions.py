"""Raw reaction events: helpful, accepted, me too, bookmark, custom and skin-toned emoji, removals."""

from __future__ import annotations

from bot.domain import QuestionStatus
from tests.adapters.discord import payloads
from tests.adapters.discord.conftest import COMMUNITY
from tests.adapters.discord.fake_discord import FakeDiscord


async def asked_and_answered(bot) -> tuple[str, str]:
    card = await bot.ask()
    return card, await bot.answer(card, "Short polls every 20 minutes")


async def react(bot, message: str, channel: str, member: str, emoji: str = "✅", **kw) -> None:
    await bot.feed("MESSAGE_REACTION_ADD", payloads.reaction(message, channel, member, emoji, **kw))


async def unreact(bot, message: str, channel: str, member: str, emoji: str = "✅") -> None:
    await bot.feed(
        "MESSAGE_REACTION_REMOVE", payloads.reaction(message, channel, member, emoji, added=False)
    )


async def test_another_members_reaction_marks_the_answer_helpful(bot):
    """✅ from someone other than the asker: helpful, not accepted."""
    card, answer = await asked_and_answered(bot)
    await react(bot, answer, card, payloads.CAROL)
    assert (await bot.answers())[0].helpful_count == 1
    assert (await bot.question()).status is QuestionStatus.ANSWERED


async def test_the_askers_reaction_accepts_and_the_bot_marks_the_answer(bot):
    """The asker's ✅ resolves the question; the bot reacts on the answer in its thread and says so there."""
    card, answer = await asked_and_answered(bot)
    await react(bot, answer, card, payloads.ALICE)
    question = await bot.question()
    assert question.status is QuestionStatus.RESOLVED and question.accepted_answer_id == 1
    assert (card, answer, "✅") in bot.fake.reactions
    note = bot.fake.posted_in(card)[-1]
    assert note["content"] == f"This answer by <@{payloads.BOB}> was accepted. Thank you!"


async def test_removing_the_askers_reaction_undoes_the_acceptance(bot):
    """A removal carries no member: the adapter asks Discord who it was, and the core undoes it."""
    card, answer = await asked_and_answered(bot)
    await react(bot, answer, card, payloads.ALICE)
    await unreact(bot, answer, card, payloads.ALICE)
    assert (await bot.question()).status is QuestionStatus.ANSWERED
    assert bot.fake.calls_to("GET", rf"/guilds/{payloads.GUILD}/members/{payloads.ALICE}")


async def test_an_organisers_reaction_accepts_and_its_removal_undoes_it(bot):
    """Manage Server (from the member's roles) makes a reaction an acceptance, both ways."""
    card, answer = await asked_and_answered(bot)
    await react(bot, answer, card, payloads.OLGA)
    assert (await bot.question()).status is QuestionStatus.RESOLVED
    await unreact(bot, answer, card, payloads.OLGA)
    assert (await bot.question()).status is QuestionStatus.ANSWERED


async def test_a_custom_emoji_counts_when_it_is_the_communitys_helpful_emoji(bot):
    """Custom emoji arrive by name; the bot's own reaction uses Discord's name:id form."""
    await bot.feed(
        "INTERACTION_CREATE",
        payloads.slash(
            "entraide", member_id=payloads.OLGA, command="config helpful-emoji partyparrot"
        ),
    )
    card, answer = await asked_and_answered(bot)
    await react(bot, answer, card, payloads.CAROL, "partyparrot", emoji_id=payloads.PARTYPARROT)
    assert (await bot.answers())[0].helpful_count == 1
    await react(bot, answer, card, payloads.ALICE, "partyparrot", emoji_id=payloads.PARTYPARROT)
    assert (card, answer, f"partyparrot:{payloads.PARTYPARROT}") in bot.fake.reactions


async def test_skin_tones_count_as_the_emoji(bot):
    """👍🏽 is 👍 when 👍 is the helpful emoji."""
    await bot.feed(
        "INTERACTION_CREATE",
        payloads.slash("entraide", member_id=payloads.OLGA, command="config helpful-emoji 👍"),
    )
    card, answer = await asked_and_answered(bot)
    await react(bot, answer, card, payloads.CAROL, "👍🏽")
    await react(bot, answer, card, payloads.DAVE, "👍🏿")
    assert (await bot.answers())[0].helpful_count == 2
    await unreact(bot, answer, card, payloads.DAVE, "👍🏿")
    assert (await bot.answers())[0].helpful_count == 1


async def test_me_too_on_the_question_is_counted_on_its_card(bot):
    """👀 from others on the card: the card shows how many have the same question."""
    card = await bot.ask()
    await react(bot, card, payloads.HELP, payloads.BOB, "👀", author=payloads.BOT)
    await react(bot, card, payloads.HELP, payloads.CAROL, "👀", author=payloads.BOT)
    assert "2 other member(s)" in str(bot.fake.messages[card]["embeds"])


async def test_a_bookmark_saves_the_messages_link_for_its_author_and_tells_the_member_by_dm(bot):
    """🔖 on a member's message with a link: saved, credited to whoever wrote it; the reactor gets a DM."""
    message = payloads.snowflake()
    bot.fake.add_message(payloads.GENERAL, message, payloads.BOB, "See https://example.com/polls")
    await react(bot, message, payloads.GENERAL, payloads.CAROL, "🔖")
    async with bot.store.transaction() as tx:
        (resource,) = await tx.resources.all(COMMUNITY)
    assert (resource.url, resource.shared_by) == ("https://example.com/polls", payloads.BOB)
    dm = bot.fake.posted_in(FakeDiscord.dm_channel(payloads.CAROL))
    assert "R1" in dm[-1]["content"]


async def test_own_reactions_and_the_bots_count_for_nothing(bot):
    """The answer's author and the bot itself cannot mark it."""
    card, answer = await asked_and_answered(bot)
    await react(bot, answer, card, payloads.BOB)
    await react(bot, answer, card, payloads.BOT)
    assert (await bot.answers())[0].helpful_count == 0


async def test_the_same_reaction_delivered_twice_counts_once(bot):
    """A replayed reaction finds its mark already there."""
    card, answer = await asked_and_answered(bot)
    event = payloads.reaction(answer, card, payloads.CAROL)
    await bot.feed("MESSAGE_REACTION_ADD", event)
    await bot.feed("MESSAGE_REACTION_ADD", event)
    assert (await bot.answers())[0].helpful_count == 1


async def test_a_reaction_removed_then_added_again_counts_again(bot):
    """A member changing their mind twice is not mistaken for a replay."""
    card, answer = await asked_and_answered(bot)
    await react(bot, answer, card, payloads.CAROL)
    await unreact(bot, answer, card, payloads.CAROL)
    await react(bot, answer, card, payloads.CAROL)
    assert (await bot.answers())[0].helpful_count == 1


async def test_reactions_cleared_by_a_moderator_take_their_marks_with_them(bot):
    """REMOVE_ALL on an accepted answer: helpful marks and the acceptance go; REMOVE_EMOJI of ✅ too."""
    card, answer = await asked_and_answered(bot)
    await react(bot, answer, card, payloads.CAROL)
    await react(bot, answer, card, payloads.ALICE)
    assert (await bot.question()).status is QuestionStatus.RESOLVED
    cleared = {"message_id": answer, "channel_id": card, "guild_id": payloads.GUILD}
    await bot.feed("MESSAGE_REACTION_REMOVE_ALL", cleared)
    assert (await bot.answers())[0].helpful_count == 0
    assert (await bot.question()).status is QuestionStatus.ANSWERED
    await react(bot, answer, card, payloads.CAROL)
    await bot.feed("MESSAGE_REACTION_REMOVE_EMOJI", cleared | {"emoji": {"id": None, "name": "👀"}})
    assert (await bot.answers())[0].helpful_count == 1  # another emoji: nothing to do with helpful
    await bot.feed("MESSAGE_REACTION_REMOVE_EMOJI", cleared | {"emoji": {"id": None, "name": "✅"}})
    assert (await bot.answers())[0].helpful_count == 0

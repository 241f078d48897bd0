"""Organisers' settings and schedules, topics, and forget-me."""

from __future__ import annotations

import pytest

from bot.domain import CommunitySettings
from bot.privacy import CONFIRM
from bot.questions.closing import DUPLICATE_OF


async def test_settings_are_shown_to_anyone_and_changed_by_organisers_only(community):
    shown = (await community.command("bob", "entraide", "config")).plain_text()
    assert "help-channel: help" in shown and "reminder-delay: 24h" in shown
    refused = await community.command("bob", "entraide", "config language fr")
    assert "Only organisers" in refused.plain_text()
    await community.command(
        "pat", "entraide", "config language fr", organiser=True
    )  # a platform admin
    await community.command(
        "olga", "entraide", "config timezone Europe/Paris"
    )  # a configured organiser
    await community.command("olga", "entraide", "config help-channel <#C0123|entraide-help>")
    await community.command("olga", "entraide", "config helpful-emoji :+1::skin-tone-2:")
    async with community.store.transaction() as tx:
        settings = await tx.communities.settings(
            CommunitySettings(community_id=community.id), community.clock.now()
        )
    assert (
        settings.language,
        settings.timezone,
        settings.help_channel,
        settings.helpful_emoji,
    ) == (
        "fr",
        "Europe/Paris",
        "C0123",
        "+1",
    )


@pytest.mark.parametrize(
    "args, message",
    [
        ("config colour blue", "Unknown setting"),
        ("config language de", "Languages: en, fr"),
        ("config timezone Mars/Olympus", "is not a time zone"),
        ("config reminder-delay soon", "is not a delay"),
        ("config reminder-delay 1m", "is not a delay"),
        ("config timezone", "Give a value"),
        ("schedule prompts monday", "Name the channel"),
        ("schedule weekly #x", "Schedule what?"),
        ("schedule prompts #practice someday", "is not a day"),
        ("schedule prompts #practice monday 25:00", "is not a time"),
    ],
)
async def test_bad_settings_are_refused_clearly(community, args, message):
    reply = await community.command("olga", "entraide", args)
    assert reply.private and message in reply.plain_text()


async def test_schedules_are_listed_and_removed(community):
    await community.command("olga", "entraide", "schedule prompts #practice tuesday 10:00")
    await community.command("olga", "entraide", "schedule digest #general")
    listed = (await community.command("bob", "entraide", "schedule")).plain_text()
    assert "practice, Tuesday 10:00 (UTC)" in listed and "general, Friday 16:00 (UTC)" in listed
    await community.command("olga", "entraide", "schedule prompts #practice off")
    assert "practice" not in (await community.command("bob", "entraide", "schedule")).plain_text()


async def test_topics_are_added_listed_and_removed(community):
    await community.command("bob", "entraide", "topics add remote #Feedback")
    assert (
        "#feedback #remote" in (await community.command("bob", "entraide", "topics")).plain_text()
    )
    await community.command("bob", "entraide", "topics remove remote")
    assert "#remote" not in (await community.command("bob", "entraide", "topics")).plain_text()


async def test_forget_me_asks_first_then_erases_and_says_what_it_did(community):
    mine = await community.ask("bob", "My own question?")
    theirs = await community.ask("alice", "How do I open a session?")
    answer = await community.reply("bob", theirs, "With a secret technique")
    await community.react("alice", answer, "white_check_mark")
    await community.react("bob", mine, "eyes")
    await community.command("bob", "share", "https://example.com/x Bob's private note")
    await community.command("bob", "entraide", "topics add remote")

    confirm = await community.command("bob", "entraide", "forget-me")
    assert confirm.buttons[0].action == CONFIRM
    stolen = await community.press("carol", CONFIRM, confirm.buttons[0].value)
    assert "someone else" in stolen.plain_text()
    done = (await community.press("bob", CONFIRM, confirm.buttons[0].value)).plain_text()
    assert "Anonymised: 1 question(s)" in done and "1 answer(s)" in done and "1 note(s)" in done

    async with community.store.transaction() as tx:
        bob_question = await tx.questions.get(community.id, 1)
        [bob_answer] = await tx.questions.answers(community.id, 2)
        [resource] = await tx.resources.all(community.id)
        assert bob_question.asker_id is None and bob_question.anonymous
        assert bob_answer.author_id is None and "secret" not in bob_answer.text
        assert resource.shared_by is None and resource.notes == ()
        assert "bob" not in await tx.reports.credits(community.id)
        assert await tx.communities.topics(community.id, "bob") == []
    assert (
        "secret"
        not in (await community.command("carol", "search", "secret technique")).plain_text()
    )
    assert "private note" not in (await community.command("carol", "resources", "")).plain_text()


async def test_forget_me_edits_the_posted_cards_that_showed_the_member(db):
    """Cards already posted named the member (asked by, shared by), counted their "me too",
    or quoted their accepted answer (a duplicate's): each is edited to show them no more."""
    from tests.conftest import make_community

    community = make_community(db, resources_channel="resources")
    mine = await community.ask("bob", "My own question?")
    theirs = await community.ask("alice", "How do I keep learners engaged in long sessions?")
    await community.react("bob", theirs, "eyes")  # "me too"
    answer = await community.reply("bob", theirs, "Short polls, a secret technique")
    await community.react("alice", answer, "white_check_mark")
    offered = await community.command("dave", "ask", "Keeping learners engaged in long sessions?")
    await community.press("dave", offered.buttons[0].action, offered.buttons[0].value)
    again = community.chat.posts_in("help")[-1].message_id
    await community.press("dave", DUPLICATE_OF, "3:2")
    await community.command("bob", "share", "https://example.com/x")
    [shared] = community.chat.posts_in("resources")

    def shows(message_id: str) -> str:
        edits = [m for i, m in community.chat.edits if i == message_id]
        posted = next(p.message for p in community.chat.posts if p.message_id == message_id)
        return (edits[-1] if edits else posted).plain_text()

    before = {
        mine: "Asked by Bob",
        theirs: "1 other member(s) have the same question",
        again: "secret technique",
        shared.message_id: "Shared by Bob",
    }
    for message_id, text in before.items():
        assert text in shows(message_id), shows(message_id)
    edited_before = len(community.chat.edits)

    confirm = await community.command("bob", "entraide", "forget-me")
    await community.press("bob", CONFIRM, confirm.buttons[0].value)

    assert {message_id for message_id, _ in community.chat.edits[edited_before:]} == set(before)
    for message_id, text in before.items():
        assert text not in shows(message_id) and "Bob" not in shows(message_id), shows(message_id)
    assert "Asked anonymously" in shows(mine)


async def test_a_setting_changed_on_another_instance_applies_here_within_thirty_seconds(db):

    from tests.conftest import make_community

    here = make_community(db)
    elsewhere = make_community(db)
    assert "Unknown command" in (await here.command("bob", "dance")).plain_text()
    await elsewhere.command("olga", "entraide", "config language fr")
    assert (
        "Commande inconnue" in (await elsewhere.command("bob", "dance")).plain_text()
    )  # at once there
    here.advance(seconds=31)
    assert "Commande inconnue" in (await here.command("bob", "dance")).plain_text()


@pytest.mark.parametrize(
    "value",
    [
        "@everyone",
        "<!channel>",
        "\u202eeyes",
        "eyes\u200b",
        "\u3164",
        "two words",
        "<@&123>",
        "x" * 65,
    ],
)
async def test_an_emoji_setting_must_be_an_emoji(community, value):
    reply = await community.command("olga", "entraide", f"config helpful-emoji {value}")
    assert reply.private and "is not an emoji" in reply.plain_text(), reply.plain_text()
    shown = (await community.command("olga", "entraide", "config")).plain_text()
    assert "helpful-emoji: white_check_mark" in shown


@pytest.mark.parametrize(
    "value, stored",
    [
        (":tada:", "tada"),
        ("👩‍🏫", "👩‍🏫"),
        ("1️⃣", "1\u20e3"),
        ("<:partyparrot:1180000000000000030>", "partyparrot"),
        ("+1", "+1"),
    ],
)
async def test_emoji_names_characters_and_custom_emoji_are_accepted(community, value, stored):
    await community.command("olga", "entraide", f"config me-too-emoji {value}")
    shown = (await community.command("olga", "entraide", "config")).plain_text()
    assert f"me-too-emoji: {stored}" in shown


@pytest.mark.parametrize(
    "args",
    [
        "schedule prompts #practice monday 09:30 Europe/Paris and more",
        "schedule prompts #practice off now",
        "schedule digest #general friday 16:00 UTC extra",
    ],
)
async def test_extra_words_in_a_schedule_are_refused_not_ignored(community, args):
    reply = await community.command("olga", "entraide", args)
    french = await community.command("olga", "entraide", args, locale="fr")
    assert reply.private and "Too many words" in reply.plain_text(), reply.plain_text()
    assert "Trop de mots" in french.plain_text()
    listed = (await community.command("olga", "entraide", "schedule")).plain_text()
    assert "No schedule" in listed


@pytest.mark.parametrize("value", ["<#C01\x00>", "<#\u202e123>", "<#a b>"])
async def test_a_channel_setting_must_name_a_channel(community, value):
    reply = await community.command("olga", "entraide", f"config help-channel {value}")
    assert reply.private and "is not a channel" in reply.plain_text()

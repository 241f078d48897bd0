"""Bad input: a clear, private, translated error, and nothing stored."""

from __future__ import annotations

import pytest

from bot.replies import Style


async def stored_questions(community):
    async with community.store.transaction() as tx:
        return await tx.all_questions(community.id)


@pytest.mark.parametrize(
    "text, en, fr",
    [
        ("", "is empty", "est vide"),
        ("   \t  ", "is empty", "est vide"),
        ("#onlytags", "is empty", "est vide"),
        (
            "x" * 301,
            "too long (301 characters; at most 300)",
            "trop long (301 caractères ; 300 au plus)",
        ),
        ("Hello @everyone how do I…", "mentions everyone", "mentionne tout le monde"),
        ("Hi @here", "mentions everyone", "mentionne tout le monde"),
        ("Ping <!channel> please", "mentions everyone", "mentionne tout le monde"),
        ("Ping <!subteam^S123|devs>", "mentions everyone", "mentionne tout le monde"),
        ("Ping <@&123456> role", "mentions everyone", "mentionne tout le monde"),
        (
            "Hid\u200bden text",
            "invisible or control characters",
            "caractères invisibles ou de contrôle",
        ),
        (
            "Bell\x07 character",
            "invisible or control characters",
            "caractères invisibles ou de contrôle",
        ),
        (
            "Reversed \u202etext",
            "invisible or control characters",
            "caractères invisibles ou de contrôle",
        ),
        ("Too many #a #b #c #d #e #f #g #h #i #j #k", "Too many tags", "Trop d’étiquettes"),
        ("Bad tag #<script>", "not a valid tag", "n’est pas une étiquette valide"),
    ],
)
async def test_a_bad_question_gets_a_translated_private_error_and_nothing_is_stored(
    community, text, en, fr
):
    english = await community.command("alice", "ask", text)
    french = await community.command("alice", "ask", text, locale="fr")
    assert english.private and en in english.plain_text()
    assert french.private and fr in french.plain_text()
    assert await stored_questions(community) == []
    assert community.chat.posts == []


async def test_details_over_the_limit_are_refused(community):
    reply = await community.command("alice", "ask", "Title | " + "d" * 3001)
    assert "details is too long" in reply.plain_text()
    assert await stored_questions(community) == []


@pytest.mark.parametrize(
    "text", ["Teacher emoji 👩‍🏫 works", "عربي نص من اليمين", "Accents : élève, à côté, ça"]
)
async def test_emoji_right_to_left_and_accented_text_are_welcome(community, text):
    await community.ask("alice", text)
    assert (await stored_questions(community))[0].title == text


async def test_a_note_with_a_mass_mention_stores_no_resource(community):
    reply = await community.command("alice", "share", "https://example.com/x Look @channel")
    assert "mentions everyone" in reply.plain_text()
    async with community.store.transaction() as tx:
        assert await tx.all_resources(community.id) == []


async def test_mass_mentions_in_recorded_replies_are_shown_as_plain_text_never_as_mentions(
    community,
):
    card = await community.ask("alice", "How to run a long session?")
    answer = await community.reply("bob", card, "@everyone <!channel> take breaks")
    await community.react("alice", answer, "white_check_mark")
    found = await community.command("carol", "search", "breaks")
    assert "@everyone <!channel> take breaks" in found.plain_text()
    mentions = [s for line in found.lines for s in line if s.style is Style.MENTION]
    assert all(s.target in ("bob", "alice") for s in mentions)


async def test_unknown_commands_and_buttons_are_told_plainly(community):
    assert "Unknown command /dance" in (await community.command("alice", "dance")).plain_text()
    assert (
        "no longer works" in (await community.press("alice", "question:close", "abc")).plain_text()
    )
    assert (
        "no such question" in (await community.press("alice", "question:close", "42")).plain_text()
    )


async def test_the_faulty_field_is_named_in_the_members_language(community):
    reply = await community.command(
        "alice", "share", "https://example.com/x " + "n" * 501, locale="fr"
    )
    assert "Le champ note est trop long" in reply.plain_text()
    reply = await community.command("alice", "ask", "Titre | " + "d" * 3001, locale="fr")
    assert "Le champ détails est trop long" in reply.plain_text()

"""Bad input: a clear, private, translated error, and nothing stored."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.replies import Style
from bot.text import _first_forbidden, forbidden_char


async def stored_questions(community):
    async with community.store.transaction() as tx:
        return await tx.questions.all(community.id)


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
        assert await tx.resources.all(community.id) == []


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


INVISIBLE = "invisible or control characters"


@pytest.mark.parametrize(
    "text",
    [
        "Left\u200eto right mark",
        "Right\u200fto left mark",
        "Arabic\u061cletter mark",
        "Invisible\u2062times",
        "Grapheme\u034fjoiner",
        "pay\u200cpal between Latin letters",
        "Hidden \U000e0068\U000e0069 tag characters",
        "Many selectors 👍\ufe0f\ufe0f\ufe0f",
        "Selector smuggling 😀\U000e0100\U000e0101",
    ],
)
async def test_invisible_format_characters_are_refused(community, text):
    reply = await community.command("alice", "ask", text)
    assert reply.private and INVISIBLE in reply.plain_text()
    assert await stored_questions(community) == []


@pytest.mark.parametrize(
    "text",
    ["\u3164 \u3164", "\u2800\u2800", "\u0301\u0302", "\u115f\u1160 \uffa0", "\u3164 #remote"],
)
async def test_a_title_that_only_looks_blank_is_empty(community, text):
    reply = await community.command("alice", "ask", text)
    assert reply.private and "is empty" in reply.plain_text()
    assert await stored_questions(community) == []


@pytest.mark.parametrize(
    "text",
    [
        "Keycap 1️⃣ and heart ❤️ and family 👨‍👩‍👧",
        "England 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f flag",
        "Korean 한국어 and Hindi हिन्दी",
        "Persian \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 needs its non-joiner",
    ],
)
async def test_emoji_sequences_and_scripts_that_need_joiners_are_welcome(community, text):
    await community.ask("alice", text)
    assert (await stored_questions(community))[0].title == text


async def test_a_huge_number_on_a_button_is_told_plainly(community):
    for value in ["99999999999999999999999", "2147483648", "-1", "0", "+1", " 1", "١"]:
        reply = await community.press("alice", "question:close", value)
        assert reply.private and "no longer works" in reply.plain_text(), value


async def test_the_anonymous_flag_is_a_whole_word(community):
    await community.ask("frank", "--anonyme Comment garder l’attention ?")
    await community.ask("frank", "--anonymousness is a word?")
    first, second = await stored_questions(community)
    assert first.anonymous and first.title == "Comment garder l’attention ?"
    assert not second.anonymous and second.title == "--anonymousness is a word?"


async def test_only_trailing_hash_words_are_tags(community):
    await community.ask("alice", "What does #1 mean in #!/bin/bash scripts? #shell #linux")
    [question] = await stored_questions(community)
    assert question.title == "What does #1 mean in #!/bin/bash scripts?"
    assert question.tags == ("shell", "linux")


async def test_details_keep_their_line_breaks(community):
    await community.ask("alice", "A title | line one\nline two\n\n  indented #tag")
    [question] = await stored_questions(community)
    assert question.title == "A title"
    assert question.details == "line one\nline two\n\n  indented"
    assert question.tags == ("tag",)


async def test_details_without_a_title_are_refused(community):
    reply = await community.command("alice", "ask", " | details only")
    assert reply.private and "question is empty" in reply.plain_text()
    assert await stored_questions(community) == []


async def test_a_bar_inside_a_word_is_part_of_the_title(community):
    await community.ask("alice", "What is a|b in a shell?")
    assert (await stored_questions(community))[0].title == "What is a|b in a shell?"


async def test_the_bad_tag_message_names_every_allowed_character(community):
    english = (await community.command("alice", "ask", "Title #a/b")).plain_text()
    french = (await community.command("alice", "ask", "Title #a/b", locale="fr")).plain_text()
    assert "letters, digits, -, _, + and . only" in english
    assert "lettres, chiffres, -, _, + et . seulement" in french
    await community.ask("alice", "Title #c++ #node.js")
    assert (await stored_questions(community))[0].tags == ("c++", "node.js")


async def test_characters_a_database_cannot_hold_are_removed_from_recorded_replies(community):
    card = await community.ask("alice", "How to start?")
    await community.reply("bob", card, "With\x00 a story\ud800")
    async with community.store.transaction() as tx:
        [answer] = await tx.questions.answers(community.id, 1)
    assert answer.text == "With a story"


# Characters the check tells apart, mixed with any at all: its quick look at plain text
# must find what the character by character one finds.
_LOOKED_AT = st.sampled_from(
    [
        "a",
        "é",
        " ",
        "\n",
        "\t",
        "\u00a0",  # no-break space: not printable, allowed
        "\u034f",
        "\u17b4",
        "\u180b",
        "\u180e",
        "\ufe0f",
        "\U000e0100",
        "\u200b",
        "\u200c",
        "\u200d",
        "\u202e",
        "\x00",
        "\x07",
        "\ue000",
        "\ud800",
        "\U0001f3f4",
        "\U000e0067",
        "\U000e007f",
        "👩",
        "🏫",
        "م",
        "字",
    ]
)


# Printable: the quick look passes such text on, unless it holds one of those looked at.
_PRINTABLE = st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"))


@given(text=st.lists(st.one_of(_LOOKED_AT, _PRINTABLE, st.characters()), max_size=40).map("".join))
@example(text="a\u034fb")
@example(text="a\u17b4")
@example(text="a \u17b5")
@example(text="\u180b")
@example(text="x\ufe0f\ufe0f")
@example(text=" \U000e0100")
def test_the_quick_look_at_plain_text_finds_what_each_character_checked_finds(text):
    assert forbidden_char(text) == _first_forbidden(text)

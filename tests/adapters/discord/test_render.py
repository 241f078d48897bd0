"""to_discord: markdown and mentions escaped, Discord's limits kept, buttons that survive restarts."""

from __future__ import annotations

from adapters.discord.render import (
    CONTENT_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_TITLE_MAX,
    THREAD_NAME_MAX,
    custom_id,
    parse_custom_id,
    thread_name,
    to_discord,
)
from bot.replies import (
    Button,
    ButtonStyle,
    Message,
    bold,
    channel,
    code,
    italic,
    link,
    mention,
    plain,
)

GUILD = "1180000000000000001"


def text_of(message: Message) -> str:
    rendered = to_discord(message, GUILD)
    return rendered.content or rendered.embeds[0]["description"]


def test_members_words_cannot_format_or_mention():
    """Markdown and mentions typed by members are shown as typed and never live."""
    said = plain("**loud** _x_ @everyone @here <@123456789012345678> <@&123456789012345678>")
    text = text_of(Message(lines=((said,),)))
    assert text.startswith(r"\*\*loud\*\* \_x\_")
    assert "@everyone" not in text and "@here" not in text
    assert "<@1" not in text and "<@&" not in text


def test_the_cores_mentions_and_channels_use_discords_syntax():
    """A mention the core makes shows the member's name (allowed_mentions none keeps it silent)."""
    line = (mention("1180000000000000201", "Alice"), plain(" in "), channel("1180000000000000010"))
    assert text_of(Message(lines=(line,))) == "<@1180000000000000201> in <#1180000000000000010>"


def test_spans_get_their_styles():
    """Bold, italic, code and links in Discord markdown; a backtick cannot end the code early."""
    line = (
        bold("b"),
        italic("i"),
        code("a`b"),
        link("https://example.com/a_(b)", "a [page]"),
        plain(" "),
        link("https://example.com/"),
    )
    assert text_of(Message(lines=(line,))) == (
        "**b***i*`aˋb`[a (page)](https://example.com/a_(b%29) https://example.com/"
    )


def test_a_titled_message_is_an_embed_card():
    """Cards (questions, prompts, digests) are embeds; every payload mentions nobody."""
    rendered = to_discord(Message(title=(bold("Q1 · Title"),), lines=((plain("Body"),),)), GUILD)
    assert rendered.content == ""
    assert rendered.embeds[0]["title"] == "Q1 · Title"
    assert rendered.embeds[0]["description"] == "Body"
    assert rendered.payload()["allowed_mentions"] == {"parse": []}


def test_a_long_title_is_cut_and_kept_whole_in_the_description():
    """Embed titles stop at 256 characters; the whole title opens the description."""
    title = "Q1 · " + "x" * 300
    embed = to_discord(Message(title=(plain(title),), lines=((plain("Body"),),)), GUILD).embeds[0]
    assert len(embed["title"]) == EMBED_TITLE_MAX and embed["title"].endswith("…")
    assert embed["description"].startswith(f"**{title}**")


def test_short_text_is_content_and_longer_text_an_embed_cut_with_a_link_to_the_thread():
    """Up to 2000 characters as content; past 4096, cut with "…" and the thread's link kept."""
    short = Message(lines=((plain("x" * CONTENT_MAX),),))
    assert to_discord(short, GUILD).content == "x" * CONTENT_MAX

    lines = tuple((plain(f"line {n} " + "y" * 90),) for n in range(100))
    long = Message(lines=lines, refers_to="1180000000000002000")
    rendered = to_discord(long, GUILD)
    description = rendered.embeds[0]["description"]
    assert rendered.content == "" and len(description) <= EMBED_DESCRIPTION_MAX
    body, pointer = description.rsplit("\n", 1)
    assert body.endswith("…")
    assert pointer == f"→ https://discord.com/channels/{GUILD}/1180000000000002000"


def test_one_very_long_line_is_cut_within_the_limit():
    """A single line longer than an embed is cut inside the line."""
    rendered = to_discord(Message(lines=((plain("z" * 9000),),)), GUILD)
    description = rendered.embeds[0]["description"]
    assert len(description) <= EMBED_DESCRIPTION_MAX and description.endswith("z…")


def test_buttons_are_rows_of_five_carrying_the_server_and_the_press():
    """Each button's id holds server, action and value; Discord's five-per-row is kept."""
    buttons = tuple(Button(f"B{n}", "question:close", str(n), ButtonStyle.DANGER) for n in range(7))
    rows = to_discord(Message(lines=(), buttons=buttons), GUILD).components
    assert [len(row["components"]) for row in rows] == [5, 2]
    first = rows[0]["components"][0]
    assert first == {
        "type": 2,
        "style": 4,
        "label": "B0",
        "custom_id": f"entraide|{GUILD}|question:close|0",
    }


def test_custom_ids_round_trip_and_foreign_ones_are_refused():
    """Our ids parse back; another app's do not."""
    assert parse_custom_id(custom_id(GUILD, "answer:accept", "12")) == (
        GUILD,
        "answer:accept",
        "12",
    )
    assert parse_custom_id("poll:vote:3") is None


def test_thread_names_are_the_title_within_discords_limit():
    """A thread is named after its card, in one line of at most 100 characters."""
    assert thread_name(Message(lines=(), title=(plain("Q2 · " + "w" * 200),))).endswith("…")
    assert len(thread_name(Message(lines=(), title=(plain("w" * 200),)))) == THREAD_NAME_MAX
    assert thread_name(Message(lines=((plain("First\nsecond"),),))) == "First"

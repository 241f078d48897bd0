"""Core replies → Block Kit: escaping, mentions, buttons and Slack's limits."""

from __future__ import annotations

from adapters.slack.render import (
    BLOCKS_MAX,
    FALLBACK_MAX,
    SECTION_MAX,
    action_of,
    continuation,
    to_slack,
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
from tests.adapters.slack.conftest import buttons, text_of
from tests.adapters.slack.fake_slack import check_message


def sections(rendered) -> list[str]:
    return [b["text"]["text"] for b in rendered.blocks if b["type"] == "section"]


def test_member_text_is_escaped_so_that_it_cannot_ping_or_link():
    """& < > are escaped, so typed mentions stay text."""
    message = Message(lines=((plain("<!channel> <!here> <!subteam^S1|@all> <@U0BOB> a&b"),),))
    rendered = to_slack(message)
    expected = "&lt;!channel&gt; &lt;!here&gt; &lt;!subteam^S1|@all&gt; &lt;@U0BOB&gt; a&amp;b"
    assert sections(rendered) == [expected]
    assert "<!" not in rendered.text and "<@" not in rendered.text


def test_styles_mentions_channels_and_links_use_slack_markup():
    """Each span style has its mrkdwn form."""
    line = (
        bold("Q1"),
        plain(" "),
        italic("why"),
        plain(" "),
        code("x<y"),
        plain(" "),
        mention("U0BOB", "Bob"),
        plain(" in "),
        channel("C0HELP"),
        plain(" "),
        link("https://example.com/?a=1&b=2", "a <doc>"),
    )
    assert sections(to_slack(Message(lines=(line,)))) == [
        "*Q1* _why_ `x&lt;y` <@U0BOB> in <#C0HELP> <https://example.com/?a=1&amp;b=2|a &lt;doc&gt;>"
    ]


def test_bold_marks_touch_the_words_or_slack_would_not_style_them():
    """Spaces move outside the * marks."""
    assert sections(to_slack(Message(lines=((bold(" Q1 · "), plain("x")),)))) == [" *Q1 ·* x"]


def test_mentions_of_ids_that_are_not_slack_ids_are_shown_as_text():
    """Only Slack-shaped ids become <@…> or <#…>."""
    line = (mention("alice", "Alice"), plain(" "), channel("help"))
    assert sections(to_slack(Message(lines=(line,)))) == ["@Alice #help"]


def test_buttons_get_unique_action_ids_that_give_the_action_back():
    """action|index ids are unique; labels are cut to 75 characters."""
    message = Message(
        lines=((plain("x"),),),
        buttons=(
            Button("Accept", "answer:accept", "1", ButtonStyle.PRIMARY),
            Button("Accept", "answer:accept", "2"),
            Button("L" * 100, "question:close", "3", ButtonStyle.DANGER),
        ),
    )
    elements = buttons(to_slack(message).blocks)
    assert len({element["action_id"] for element in elements}) == 3
    assert [action_of(element["action_id"]) for element in elements] == [
        "answer:accept",
        "answer:accept",
        "question:close",
    ]
    assert [element.get("style") for element in elements] == ["primary", None, "danger"]
    assert len(elements[2]["text"]["text"]) == 75


def test_more_than_25_buttons_go_in_several_action_blocks():
    """Actions blocks hold 25 elements at most."""
    message = Message(
        lines=((plain("x"),),), buttons=tuple(Button(f"{n}", "a", f"{n}") for n in range(30))
    )
    rendered = to_slack(message)
    assert [len(b["elements"]) for b in rendered.blocks if b["type"] == "actions"] == [25, 5]
    check_message(rendered.payload())


def test_many_short_lines_share_sections_instead_of_using_up_blocks():
    """Lines are packed into sections, far from the 50-block limit."""
    rendered = to_slack(Message(lines=tuple((plain(f"line {n}"),) for n in range(200))))
    assert len(rendered.blocks) == 1 and not rendered.overflow


def test_a_long_line_is_split_across_sections_without_breaking_an_entity():
    """A section never exceeds 3,000 characters nor splits &amp;."""
    rendered = to_slack(Message(lines=((plain("&" * 2000),),)))
    texts = sections(rendered)
    assert len(texts) == 4 and all(len(text) <= SECTION_MAX for text in texts)
    assert "".join(texts) == "&amp;" * 2000
    check_message(rendered.payload())


def test_text_beyond_one_message_is_cut_with_a_pointer_and_the_rest_handed_back():
    """Past one message, the cut points to the thread and the rest is returned."""
    message = Message(lines=((plain("first"),), (plain("word " * 3000),), (plain("last"),)))
    rendered = to_slack(message, thread_follows=True)
    check_message(rendered.payload())
    first, *shown = sections(rendered)
    assert first == "first" and shown[-1].endswith("… 🧵")
    assert rendered.overflow[-1] == "last"
    shown_words = "".join(shown).removesuffix("… 🧵")
    assert shown_words + "".join(rendered.overflow[:-1]) == "word " * 3000


def test_the_rest_continues_in_as_many_messages_as_needed():
    """Continuations carry on until everything is shown."""
    rendered = to_slack(Message(lines=((plain("&" * 6000),),)), thread_follows=True)
    shown = ["".join(sections(rendered))]
    while rendered.overflow:
        rendered = continuation(rendered.overflow)
        check_message(rendered.payload())
        shown.append("".join(sections(rendered)))
    assert len(shown) >= 3  # 30,000 characters once escaped: several messages
    assert "".join(text.removesuffix("… 🧵") for text in shown) == "&amp;" * 6000


def test_a_link_too_long_for_a_section_is_shown_as_its_words():
    """An oversized link degrades to its text rather than breaking markup."""
    rendered = to_slack(Message(lines=((link("https://example.com/" + "a" * 4000, "doc"),),)))
    assert sections(rendered)[0] == "doc"
    long_text = to_slack(Message(lines=((link("https://e.com/", "w " * 2000),),)))
    check_message(long_text.payload())


def test_without_a_thread_the_cut_is_a_plain_ellipsis():
    """Ephemeral replies are cut with … only."""
    rendered = to_slack(Message(lines=tuple((plain("x" * 2999),) for _ in range(10))))
    assert text_of(rendered.blocks).endswith("…") and "🧵" not in text_of(rendered.blocks)
    assert len(rendered.blocks) <= BLOCKS_MAX
    check_message(rendered.payload())


def test_the_fallback_text_stays_short_and_is_escaped_too():
    """The notification text is escaped and within 3,000 characters."""
    rendered = to_slack(Message(lines=((plain("<b> " * 2000),),)))
    assert len(rendered.text) <= FALLBACK_MAX and rendered.text.startswith("&lt;b&gt;")
    assert rendered.text.endswith("…")


def test_a_message_referring_to_another_links_to_it():
    """A permalink becomes a context block."""
    rendered = to_slack(
        Message(lines=((plain("Still open"),),), refers_to="C0HELP:1.2"),
        "https://x.slack.com/archives/C0HELP/p12",
    )
    assert rendered.blocks[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "→ <https://x.slack.com/archives/C0HELP/p12>"}],
    }

"""Every slash command, the /ask form and the buttons, end to end over the signed HTTP endpoint."""

from __future__ import annotations

import json

from bot.domain import QuestionStatus
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import (
    ALICE,
    BOB,
    CAROL,
    COMMUNITY,
    FLORE,
    GENERAL,
    HELP,
    OLGA,
    RESOURCES,
    buttons,
    text_of,
)


async def test_ask_posts_the_question_in_the_help_channel_and_tells_the_asker_privately(
    workspace,
):
    """/ask posts a card with a Close button and answers through response_url."""
    reply = await workspace.command(ALICE, "/ask", "How do I keep learners engaged? #engagement")
    [card] = workspace.fake.posts(HELP)
    assert "How do I keep learners engaged?" in text_of(card["blocks"])
    assert "<@U0ALICE>" in text_of(card["blocks"]) and card["text"]
    assert [b["action_id"] for b in buttons(card["blocks"])] == ["question:close|0"]
    assert reply["response_type"] == "ephemeral" and "Q1" in reply["text"]
    question = await workspace.question()
    assert question.message_id == f"{HELP}:{workspace.fake.channels[HELP].messages[0]['ts']}"
    assert question.tags == ("engagement",)


async def test_ask_without_text_opens_the_form_and_its_submission_asks(workspace):
    """An empty /ask opens the modal; its submission asks with the form's fields."""
    assert await workspace.command(ALICE, "/ask", "") is None
    [opened] = workspace.fake.called("views.open")
    assert opened["trigger_id"].endswith("8088930838d88f008e0")
    metadata = opened["view"]["private_metadata"]
    assert json.loads(metadata)["channel"] == GENERAL

    form = payloads.ask_form(ALICE, metadata, "Icebreakers?", "For 30 people", "online", True)
    status, body = await workspace.requests.interaction(form)
    assert (status, body) == (200, "")  # an empty answer closes the form
    await workspace.settle()
    question = await workspace.question()
    assert (question.title, question.details, question.tags, question.anonymous) == (
        "Icebreakers?",
        "For 30 people",
        ("online",),
        True,
    )
    assert "anonymously" in workspace.fake.hooks[-1]["text"]  # through the command's response_url


async def test_a_form_reply_without_response_url_comes_as_an_ephemeral_message(workspace):
    """When the form's response_url is gone, the asker is told with chat.postEphemeral."""
    metadata = json.dumps({"channel": GENERAL, "response_url": None})
    status, _ = await workspace.requests.interaction(payloads.ask_form(ALICE, metadata, "Q?"))
    await workspace.settle()
    [told] = workspace.fake.called("chat.postEphemeral")
    assert status == 200 and (told["channel"], told["user"]) == (GENERAL, ALICE)
    assert "Q1" in told["text"]


async def test_share_saves_the_link_and_posts_it_in_the_resources_channel(workspace):
    """/share normalises the link and posts it where the organisers said."""
    await workspace.command(OLGA, "/entraide", f"config resources-channel <#{RESOURCES}|resources>")
    reply = await workspace.command(
        CAROL, "/share", "<https://Example.com/tips?utm_source=x> #engagement Great &amp; short"
    )
    assert "R1" in reply["text"] or "saved" in reply["text"].lower()
    [post] = workspace.fake.posts(RESOURCES)
    assert "<https://example.com/tips|https://example.com/tips>" in text_of(post["blocks"])
    assert "Great &amp; short" in text_of(post["blocks"])


async def test_resources_and_search_reply_privately_with_what_matches(workspace):
    """/resources and /search answer privately with the matches."""
    await workspace.command(CAROL, "/share", "https://example.com/polls #polls Quick polls")
    found = await workspace.command(BOB, "/resources", "#polls")
    assert "https://example.com/polls" in found["text"]
    await workspace.ask_and_accept(ALICE, BOB, "How do I run polls online?", "Use Slido")
    searched = await workspace.command(CAROL, "/search", "polls online")
    assert "How do I run polls online?" in searched["text"] and "Use Slido" in searched["text"]


async def test_a_workspace_admin_changes_settings_and_a_member_cannot(workspace):
    """Slack admins are organisers; channel settings take Slack channel ids."""
    refused = await workspace.command(BOB, "/entraide", f"config help-channel <#{GENERAL}|general>")
    assert "organiser" in refused["text"].lower()
    changed = await workspace.command(
        OLGA, "/entraide", f"config help-channel <#{GENERAL}|general>"
    )
    assert "help-channel" in changed["text"]
    await workspace.command(ALICE, "/ask", "Where now?")
    assert workspace.fake.posts(GENERAL) and not workspace.fake.posts(HELP)


async def test_topics_stats_prompt_add_and_help_answer_privately(workspace):
    """Every /entraide subcommand replies privately."""
    topics = await workspace.command(BOB, "/entraide", "topics add engagement remote")
    assert "engagement" in topics["text"]
    stats = await workspace.command(OLGA, "/entraide", "stats")
    assert stats["response_type"] == "ephemeral" and stats["blocks"]
    added = await workspace.command(OLGA, "/entraide", "prompt add What did you try this week?")
    assert added["text"]
    helped = await workspace.command(BOB, "/entraide", "")
    assert "/entraide config" in helped["text"]


async def test_forget_me_asks_for_confirmation_and_the_button_erases(workspace):
    """The confirmation button of /entraide forget-me erases the member's data."""
    await workspace.command(BOB, "/entraide", "topics add engagement")
    confirm = await workspace.command(BOB, "/entraide", "forget-me")
    [button] = buttons(confirm["blocks"])
    done = await workspace.press(BOB, GENERAL, "1700000000.000001", button)
    assert "Done" in done["text"]
    async with workspace.store.transaction() as tx:
        assert await tx.communities.topics(COMMUNITY, BOB) == []


async def test_private_replies_follow_the_members_slack_locale(workspace):
    """A French Slack user gets French private replies; the card stays in the community's language."""
    reply = await workspace.command(FLORE, "/ask", "Comment garder l'attention ?")
    assert "Votre question" in reply["text"]
    [card] = workspace.fake.posts(HELP)
    assert "Asked by" in text_of(card["blocks"])  # public posts keep the community's language


async def test_the_close_button_closes_the_question_and_updates_its_card(workspace):
    """Only the asker can close, giving a reason; the card then offers Reopen."""
    await workspace.command(ALICE, "/ask", "Question?")
    [card] = workspace.fake.posts(HELP)
    ts = workspace.fake.channels[HELP].messages[0]["ts"]
    [close] = buttons(card["blocks"])
    refused = await workspace.press(BOB, HELP, ts, close)
    assert "Only the person who asked" in refused["text"]
    reasons = await workspace.press(ALICE, HELP, ts, close)
    solved, _duplicate, _unneeded = buttons(reasons["blocks"])
    assert solved["text"]["text"] == "Solved elsewhere"
    closed = await workspace.press(ALICE, HELP, ts, solved)
    assert "closed (solved elsewhere)" in closed["text"].lower()
    assert (await workspace.question()).status is QuestionStatus.CLOSED
    updated = workspace.fake.called("chat.update")[-1]
    assert (updated["channel"], updated["ts"]) == (HELP, ts)
    assert buttons(updated["blocks"])[0]["action_id"].startswith("question:reopen")


async def test_an_anonymous_asker_accepts_through_a_private_button(workspace):
    """The card never names the asker, who accepts from a direct message."""
    await workspace.command(ALICE, "/ask", "--anonymous Is it normal to feel lost?")
    [card] = workspace.fake.posts(HELP)
    assert "U0ALICE" not in json.dumps(card) and "Alice" not in json.dumps(card)
    root = workspace.fake.channels[HELP].messages[0]["ts"]
    await workspace.say(BOB, HELP, "Yes, everyone does at first", thread_ts=root)
    [offer] = workspace.fake.posts(f"D{ALICE}")  # a direct message to the asker
    [accept] = buttons(offer["blocks"])
    await workspace.press(ALICE, f"D{ALICE}", "1700000999.000001", accept)
    assert (await workspace.question()).status is QuestionStatus.RESOLVED


async def test_a_question_slack_refuses_is_kept_and_the_asker_told_in_plain_words(workspace):
    """channel_not_found reaches the asker as words, and the question stays stored."""
    await workspace.command(OLGA, "/entraide", "config help-channel <#C0GONE|gone>")
    await workspace.command(ALICE, "/ask", "Question?")
    [told] = workspace.fake.posts(f"D{ALICE}")  # a direct message to the asker
    assert "the channel does not exist, or the bot cannot see it" in told["text"]
    assert (await workspace.question()).message_id is None


async def test_a_rate_limited_post_is_retried_after_retry_after_and_appears_once(workspace):
    """A 429 with Retry-After delays the post; it appears once."""
    workspace.fake.fail("chat.postMessage", status=429, retry_after=7)
    await workspace.command(ALICE, "/ask", "Question?")
    assert len(workspace.fake.posts(HELP)) == 1
    assert len(workspace.fake.called("chat.postMessage", ok=False)) == 1
    assert workspace.sleeps == [7]
    assert (await workspace.question()).message_id is not None


async def test_a_server_error_is_retried_and_the_question_posted(workspace):
    """Two 503s, then the question is posted."""
    workspace.fake.fail("chat.postMessage", status=503, times=2)
    await workspace.command(ALICE, "/ask", "Question?")
    assert len(workspace.fake.posts(HELP)) == 1 and len(workspace.sleeps) == 2


async def test_a_long_question_fits_block_kit_and_continues_in_its_thread(workspace):
    """Text past Slack's limits is cut with a pointer and continued in the thread, nothing lost."""
    details = "&<>" * 990  # within the 3,000 allowed, but 12,870 characters once escaped
    await workspace.command(
        ALICE, "/ask", "Escaping? | " + "&amp;&lt;&gt;" * 990
    )  # as Slack sends it
    [card, *rest] = workspace.fake.posts(HELP)  # FakeSlack refuses what breaks Slack's limits
    assert text_of(card["blocks"]).endswith("… 🧵")
    root = workspace.fake.channels[HELP].messages[0]["ts"]
    assert rest and all(post["thread_ts"] == root for post in rest)
    shown = "".join(
        block["text"]["text"]
        for post in [card, *rest]
        for block in post["blocks"]
        if "text" in block
    )
    assert shown.replace("… 🧵", "").count("&amp;&lt;&gt;") == 990  # nothing lost
    assert (await workspace.question()).details == details

"""Events API end to end: thread replies, reactions, Slack's redeliveries, bookmarks, scheduled posts."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import QuestionStatus
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import (
    ALICE,
    BOB,
    CAROL,
    COMMUNITY,
    GENERAL,
    HELP,
    OLGA,
    RESOURCES,
    open_workspace,
    text_of,
)


async def answers(workspace):
    async with workspace.store.transaction() as tx:
        return await tx.questions.answers(COMMUNITY, 1)


async def test_a_thread_reply_is_recorded_as_an_answer_and_the_card_updated(workspace):
    """A message with thread_ts is an answer, unescaped; the card shows answered."""
    await workspace.command(ALICE, "/ask", "How do I keep learners engaged?")
    card = workspace.last_card()
    reply = await workspace.say(BOB, HELP, "Short polls &amp; breaks", thread_ts=card)
    [answer] = await answers(workspace)
    assert (answer.author_id, answer.text, answer.message_id) == (
        BOB,
        "Short polls & breaks",
        f"{HELP}:{reply}",
    )
    assert (await workspace.question()).status is QuestionStatus.ANSWERED
    assert "answered" in text_of(workspace.fake.called("chat.update")[-1]["blocks"])


async def test_the_askers_reaction_accepts_and_the_bot_marks_it_visibly(workspace):
    """Accepting adds the bot's reaction, a threaded note and a card update."""
    reply = await workspace.ask_and_accept(ALICE, BOB, "Question?", "Answer")
    card = workspace.last_card()
    question = await workspace.question()
    assert question.status is QuestionStatus.RESOLVED and question.accepted_answer_id == 1
    assert (HELP, reply, "white_check_mark") in workspace.fake.reactions
    note = workspace.fake.posts(HELP)[-1]
    assert note["thread_ts"] == card and "<@U0BOB>" in text_of(note["blocks"])
    update = workspace.fake.called("chat.update")[-1]
    assert update["ts"] == card and "resolved" in text_of(update["blocks"])


async def test_removing_the_reaction_undoes_the_acceptance(workspace):
    """reaction_removed by the asker takes the acceptance back."""
    reply = await workspace.ask_and_accept(ALICE, BOB, "Question?", "Answer")
    await workspace.react(ALICE, HELP, reply, "white_check_mark", added=False)
    question = await workspace.question()
    assert question.status is QuestionStatus.ANSWERED and question.accepted_answer_id is None


async def test_another_members_reaction_counts_as_helpful(workspace):
    """Someone else's helpful emoji (any skin tone) marks the answer helpful."""
    await workspace.command(ALICE, "/ask", "Question?")
    reply = await workspace.say(BOB, HELP, "Answer", thread_ts=workspace.last_card())
    await workspace.react(CAROL, HELP, reply, "white_check_mark::skin-tone-3")
    [answer] = await answers(workspace)
    assert answer.helpful_count == 1
    assert (await workspace.question()).status is QuestionStatus.ANSWERED


async def test_a_workspace_admins_reaction_accepts(workspace):
    """A Slack admin's reaction accepts, like the asker's."""
    await workspace.command(ALICE, "/ask", "Question?")
    reply = await workspace.say(BOB, HELP, "Answer", thread_ts=workspace.last_card())
    await workspace.react(OLGA, HELP, reply, "white_check_mark")  # is_admin in users.info
    assert (await workspace.question()).status is QuestionStatus.RESOLVED


async def test_an_event_redelivered_with_x_slack_retry_num_has_one_effect(workspace):
    """Slack's retries of one event_id are acknowledged and ignored."""
    await workspace.command(ALICE, "/ask", "Question?")
    message = workspace.fake.member_message(HELP, BOB, "Answer", workspace.last_card())
    envelope = payloads.message_event(message, event_id="Ev0RETRIED")
    assert (await workspace.requests.event(envelope))[0] == 200
    assert (await workspace.requests.event(envelope, retry_num=1))[0] == 200
    assert (await workspace.requests.event(envelope, retry_num=2))[0] == 200
    await workspace.settle()
    assert len(await answers(workspace)) == 1


async def test_a_duplicate_reaction_event_without_retry_header_has_one_effect(workspace):
    """Duplicates without a retry header are ignored too."""
    await workspace.command(ALICE, "/ask", "Question?")
    reply = await workspace.say(BOB, HELP, "Answer", thread_ts=workspace.last_card())
    for _ in range(2):
        await workspace.react(CAROL, HELP, reply, "white_check_mark", event_id="Ev0TWICE")
    await workspace.react(CAROL, HELP, reply, "white_check_mark", added=False, event_id="Ev0UN")
    await workspace.react(CAROL, HELP, reply, "white_check_mark", added=False, event_id="Ev0UN")
    assert (await answers(workspace))[0].helpful_count == 0


async def test_the_same_event_at_two_instances_has_one_effect(workspace, db):
    """Two instances on one database take an event once."""
    other = await open_workspace(db, workspace.fake)
    try:
        await workspace.command(ALICE, "/ask", "Question?")
        message = workspace.fake.member_message(HELP, BOB, "Answer", workspace.last_card())
        envelope = payloads.message_event(message, event_id="Ev0BOTH")
        await workspace.requests.event(envelope)
        await other.requests.event(envelope, retry_num=1)
        await workspace.settle()
        await other.settle()
        assert len(await answers(workspace)) == 1
    finally:
        await other.close()


async def test_edits_joins_and_bot_messages_are_ignored_without_calling_slack(workspace):
    """Subtypes and bots are dropped before any Web API call."""
    await workspace.command(ALICE, "/ask", "Question?")
    card = workspace.last_card()
    calls = len(workspace.fake.calls)
    base = {"type": "message", "channel": HELP, "ts": "1700009999.000001", "thread_ts": card}
    for extra in (
        {"subtype": "message_changed", "message": {"text": "edited"}},
        {"subtype": "channel_join", "user": CAROL, "text": "<@U0CAROL> has joined"},
        {"subtype": "bot_message", "bot_id": "B0OTHER", "text": "beep"},
        {"user": "U0BOT", "bot_id": "B0BOT", "text": "our own note"},
    ):
        await workspace.requests.event(payloads.message_event(base | extra))
    await workspace.settle()
    assert await answers(workspace) == [] and len(workspace.fake.calls) == calls


async def test_mentions_in_an_answer_are_stored_as_names(workspace):
    """<@U…> in an answer is stored as @name."""
    await workspace.command(ALICE, "/ask", "Question?")
    await workspace.say(BOB, HELP, "<@U0CAROL> knows it", thread_ts=workspace.last_card())
    assert (await answers(workspace))[0].text == "@Carol knows it"


async def test_the_bookmark_reaction_saves_the_link_of_a_members_message(workspace):
    """The bookmark emoji saves the link, credited to the author; the reactor is told ephemerally."""
    ts = await workspace.say(BOB, GENERAL, "Read <https://example.com/guide|example.com/guide>")
    await workspace.react(CAROL, GENERAL, ts, "bookmark")
    async with workspace.store.transaction() as tx:
        resource = await tx.resources.by_url(COMMUNITY, "https://example.com/guide")
    assert resource is not None and resource.shared_by == BOB
    [told] = workspace.fake.called("chat.postEphemeral")  # no response_url for events
    assert (told["channel"], told["user"]) == (GENERAL, CAROL)


async def test_a_bookmark_on_a_thread_reply_reads_it_from_the_thread(workspace):
    """A reply not in the history is read with conversations.replies."""
    root = await workspace.say(ALICE, GENERAL, "Links for onboarding?")
    reply = await workspace.say(BOB, GENERAL, "See https://example.com/onboarding", thread_ts=root)
    await workspace.react(CAROL, GENERAL, reply, "bookmark")
    assert workspace.fake.called("conversations.replies")
    async with workspace.store.transaction() as tx:
        assert await tx.resources.by_url(COMMUNITY, "https://example.com/onboarding")


async def test_a_question_left_unanswered_is_raised_again_with_a_link_to_it(workspace):
    """The day's round-up, posted through the adapter, links to each question (permalinks)."""
    await workspace.command(ALICE, "/ask", "Anyone?")
    card = workspace.last_card()
    workspace.clock.advance(timedelta(hours=25))
    await workspace.adapter.entraide.run_due(workspace.clock.now())
    await workspace.settle()
    roundup = workspace.fake.posts(HELP)[-1]
    link = f"<https://fake.slack.com/archives/{HELP}/p{card.replace('.', '')}|Anyone?>"
    assert "Questions waiting for an answer" in roundup["text"] and link in roundup["text"]


async def test_a_scheduled_prompt_is_posted_and_replies_in_its_thread_are_shares(workspace):
    """A due prompt is posted on Slack and its thread replies are shares."""
    await workspace.command(
        OLGA, "/entraide", f"schedule prompts <#{RESOURCES}|resources> monday 09:30 UTC"
    )
    workspace.clock.advance(timedelta(hours=2))  # Monday 10:00
    assert await workspace.adapter.entraide.run_due(workspace.clock.now()) == 1
    await workspace.settle()
    prompt = workspace.last_card(RESOURCES)
    await workspace.say(BOB, RESOURCES, "I tried silent brainstorming", thread_ts=prompt)
    async with workspace.store.transaction() as tx:
        [share] = await tx.practice.all_shares(COMMUNITY)
    assert (share.author_id, share.text) == (BOB, "I tried silent brainstorming")

"""What is due: weekly prompts exactly once, catch-up, practice shares, round-ups, the digest."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.replies import Style
from tests.conftest import START, make_community
from tests.fakes import FakeChat


async def schedule_prompts(community, spec="#practice monday 09:30 Europe/Paris"):
    reply = await community.command("olga", "entraide", f"schedule prompts {spec}", organiser=True)
    assert "09:30" in reply.plain_text(), reply.plain_text()


async def run_until(community, moment: datetime) -> None:
    """Move the clock like the console does: through every due instant, in order."""
    entraide = community.entraide
    while (due := await entraide.next_due(community.clock.now())) is not None and due <= moment:
        community.clock.set(due)
        await entraide.run_due(due)
    community.clock.set(moment)
    await entraide.run_due(moment)


async def test_a_prompt_is_posted_at_its_local_time_and_only_once(community):
    await schedule_prompts(community)  # Monday 23 Nov 2026 09:30 Paris = 08:30 UTC
    await community.entraide.run_due(START + timedelta(minutes=29))
    assert community.chat.posts_in("practice") == []
    await community.entraide.run_due(START + timedelta(minutes=30))
    await community.entraide.run_due(START + timedelta(minutes=31))
    await community.entraide.run_due(START + timedelta(hours=3))
    [post] = community.chat.posts_in("practice")
    assert "Practice sharing of the week" in post.text


async def test_two_instances_racing_post_each_occurrence_once(db):
    chat = FakeChat()
    first = make_community(db, chat=chat)
    second = make_community(db, chat=chat, clock=ManualClock(START))
    await schedule_prompts(first)
    due = START + timedelta(minutes=30)
    await asyncio.gather(*(c.entraide.run_due(due) for c in (first, second, first, second)))
    assert len(chat.posts_in("practice")) == 1


async def test_each_week_gets_a_new_prompt_in_the_communitys_language(db):
    community = make_community(db, language="fr")
    await schedule_prompts(community)
    await run_until(community, START + timedelta(weeks=3))
    posts = community.chat.posts_in("practice")
    assert len(posts) == 3 and len({p.text for p in posts}) == 3
    assert all("Partage de pratiques de la semaine" in p.text for p in posts)


async def test_a_missed_occurrence_is_posted_late_within_the_grace_window_else_skipped(community):
    await schedule_prompts(community)
    await community.entraide.run_due(START + timedelta(minutes=30, hours=5))  # 5 h late: posted
    assert len(community.chat.posts_in("practice")) == 1
    await community.entraide.run_due(
        START + timedelta(days=7, minutes=30, hours=7)
    )  # 7 h late: skipped
    assert len(community.chat.posts_in("practice")) == 1
    await community.entraide.run_due(START + timedelta(days=7, hours=9))  # and never posted later
    assert len(community.chat.posts_in("practice")) == 1


async def test_a_new_schedule_does_not_post_the_occurrence_it_was_created_after(community):
    community.clock.set(START + timedelta(hours=1))  # 09:30 Paris has passed
    await schedule_prompts(community)
    await community.entraide.run_due(community.clock.now())
    assert community.chat.posts_in("practice") == []


async def test_the_communitys_own_prompts_come_first(community):
    await community.command(
        "olga", "entraide", "prompt add What did a learner teach you this week?", organiser=True
    )
    refused = await community.command("bob", "entraide", "prompt add Mine?")
    assert "Only organisers" in refused.plain_text()
    await schedule_prompts(community)
    await community.entraide.run_due(START + timedelta(minutes=30))
    assert "What did a learner teach you this week?" in community.chat.posts_in("practice")[0].text


async def test_replies_in_the_prompts_thread_are_practice_shares_and_searchable(community):
    await schedule_prompts(community)
    await community.entraide.run_due(START + timedelta(minutes=30))
    prompt = community.chat.posts_in("practice")[0].message_id
    await community.reply(
        "bob", prompt, "I tried a silent brainstorm on a wall", channel="practice"
    )
    async with community.store.transaction() as tx:
        [share] = await tx.practice.all_shares(community.id)
    assert share.author_id == "bob" and "silent brainstorm" in share.text
    assert (
        "silent brainstorm"
        in (await community.command("carol", "search", "brainstorm")).plain_text()
    )


def roundups(community, channel: str = "help") -> list:
    """The round-ups posted in a channel (reminders are gathered into them)."""
    return [
        p
        for p in community.chat.posts_in(channel)
        if p.message.title and "waiting for an answer" in p.text
    ]


def listed(post) -> list[str]:
    """The questions' messages a round-up links to, in order."""
    return [s.target for line in post.message.lines for s in line if s.style is Style.MESSAGE]


async def test_an_unanswered_question_is_in_a_roundup_after_the_delay_at_most_three_times(
    community,
):
    card = await community.ask("alice", "Cameras off all the time? #remote")
    await run_until(community, START + timedelta(hours=23))
    assert roundups(community) == []
    await run_until(community, START + timedelta(hours=24))
    [roundup] = roundups(community)
    assert listed(roundup) == [card] and "Cameras off" in roundup.text and "#remote" in roundup.text
    await run_until(community, START + timedelta(days=10))
    assert [listed(p) for p in roundups(community)] == [[card]] * 3


async def test_no_reminder_once_answered_and_me_too_is_mentioned(community):
    answered = await community.ask("alice", "First?")
    waiting = await community.ask("bob", "Second?")
    await community.react("carol", waiting, "eyes")
    await community.reply("dave", answered, "An answer")
    await run_until(community, START + timedelta(hours=25))
    [roundup] = roundups(community)
    assert listed(roundup) == [waiting]
    assert "1 with the same question" in roundup.text


async def test_the_reminder_delay_is_an_organisers_setting(community):
    await community.command("olga", "entraide", "config reminder-delay 2h", organiser=True)
    card = await community.ask("alice", "Question?")
    await run_until(community, START + timedelta(hours=2))
    assert [listed(p) for p in roundups(community)] == [[card]]


async def test_the_weekly_digest_sums_up_the_week(db):
    community = make_community(db, resources_channel="resources")
    await community.command(
        "olga", "entraide", "schedule digest #general friday 16:00 UTC", organiser=True
    )
    await schedule_prompts(community)
    card = await community.ask("alice", "How to start a session?")
    await community.ask("bob", "Unanswered one?")
    community.advance(hours=2)
    answer = await community.reply("carol", card, "With a question")
    await community.react("alice", answer, "white_check_mark")
    await community.command("dave", "share", "https://example.com/openers #openers")
    await run_until(community, START + timedelta(hours=1))
    prompt = community.chat.posts_in("practice")[0].message_id
    await community.reply("erin", prompt, "I start with a story", channel="practice")
    await run_until(community, datetime(2026, 11, 27, 16, 0, tzinfo=UTC))
    [digest] = [
        p for p in community.chat.posts_in("general") if "The week in our community" in p.text
    ]
    text = digest.text
    assert "2 asked, 1 resolved" in text
    assert "2 h 00" in text  # median over answered questions: the one answer came after 2 h
    assert "Thank you to those who helped: Carol" in text
    assert "https://example.com/openers" in text and "I start with a story" in text


async def test_stats_show_the_months_health(community):
    card = await community.ask("alice", "One?")
    await community.ask("bob", "Two?")
    community.advance(minutes=30)
    answer = await community.reply("carol", card, "Yes")
    await community.react("dave", answer, "white_check_mark")
    text = (await community.command("erin", "entraide", "stats")).plain_text()
    assert "2 question(s), 50% answered" in text
    assert "30 min" in text and "1. Carol (1)" in text
    assert "Active members (last 30 days): 5" in text


async def test_a_delivery_left_by_a_dead_instance_is_taken_over_after_its_lease(db):
    community = make_community(db)
    await schedule_prompts(community)
    due = START + timedelta(minutes=30)
    await community.entraide.entraide.run_due(due)  # queued, not delivered
    async with db.transaction() as tx:
        # An instance claimed the post, then died before posting.
        [(community_id, route)] = await tx.deliveries.due_lanes(due)
        assert await tx.deliveries.claim_next(community_id, route, due, timedelta(minutes=5))
    await community.entraide.run_due(due + timedelta(minutes=4))
    assert community.chat.posts_in("practice") == []  # the lease still holds
    await community.entraide.run_due(due + timedelta(minutes=6))
    await community.entraide.run_due(due + timedelta(minutes=7))
    assert len(community.chat.posts_in("practice")) == 1


async def test_a_platform_outage_is_retried_with_backoff_and_posts_once(community):
    await schedule_prompts(community)
    due = START + timedelta(minutes=30)
    community.chat.unavailable_channels.add("practice")
    await community.entraide.run_due(due)
    await community.entraide.run_due(due + timedelta(seconds=10))  # before the first retry
    assert community.chat.posts_in("practice") == []
    community.chat.unavailable_channels.clear()
    await community.entraide.run_due(due + timedelta(seconds=31))
    await community.entraide.run_due(due + timedelta(minutes=10))
    assert len(community.chat.posts_in("practice")) == 1


async def test_a_post_the_platform_refuses_is_marked_failed_and_organisers_told(community):
    await schedule_prompts(community)
    community.chat.failing_channels.add("practice")
    await community.entraide.run_due(START + timedelta(minutes=30))
    await community.entraide.run_due(START + timedelta(hours=1))
    [(organiser, notice)] = community.chat.private
    assert (
        organiser == "olga"
        and "could not post in practice: the channel does not exist" in notice.plain_text()
    )


async def test_a_roundup_that_could_not_be_posted_is_retried(community):
    card = await community.ask("alice", "Question?")
    community.chat.unavailable_channels.add("help")
    await run_until(community, START + timedelta(hours=24))
    community.chat.unavailable_channels.clear()
    await community.entraide.run_due(START + timedelta(hours=24, minutes=1))
    assert [listed(p) for p in roundups(community)] == [[card]]


async def test_a_question_asked_while_the_platform_is_down_is_posted_once_it_is_back(community):
    community.chat.unavailable_channels.add("help")
    reply = await community.command("alice", "ask", "Anyone there?")
    assert "on its way to help" in reply.plain_text()
    [(asker, delayed)] = community.chat.private
    assert asker == "alice" and "as soon as it does" in delayed.plain_text()
    await community.entraide.run_due(START + timedelta(seconds=10))  # still down, and too early
    community.chat.unavailable_channels.clear()
    await community.entraide.run_due(START + timedelta(seconds=31))
    await community.entraide.run_due(START + timedelta(minutes=5))
    [card] = community.chat.posts_in("help")
    assert "Anyone there?" in card.text
    async with community.store.transaction() as tx:
        assert (await tx.questions.get(community.id, 1)).message_id == card.message_id
    [_, (asker, told)] = community.chat.private
    assert asker == "alice" and "Q1 is now posted in help" in told.plain_text()


async def test_a_question_refused_for_good_is_not_tried_again(community):
    community.chat.failing_channels.add("help")
    await community.command("alice", "ask", "Anyone there?")
    community.chat.failing_channels.clear()
    await community.entraide.run_due(START + timedelta(hours=1))
    assert community.chat.posts_in("help") == []


async def test_a_resource_announced_while_the_platform_is_down_is_announced_later_once(db):
    community = make_community(db, resources_channel="resources")
    community.chat.unavailable_channels.add("resources")
    reply = await community.command("alice", "share", "https://example.com/guide")
    assert "Saved" in reply.plain_text()
    community.chat.unavailable_channels.clear()
    await community.entraide.run_due(START + timedelta(minutes=1))
    await community.entraide.run_due(START + timedelta(minutes=10))
    assert len(community.chat.posts_in("resources")) == 1


async def test_the_refusal_reason_is_told_in_the_communitys_language(db):
    community = make_community(db, language="fr")
    await schedule_prompts(community)
    community.chat.failing_channels.add("practice")
    await community.entraide.run_due(START + timedelta(minutes=30))
    [(_, notice)] = community.chat.private
    assert "le canal n’existe pas, ou le bot ne peut pas le voir" in notice.plain_text()


async def test_event_keys_are_forgotten_after_a_week(community):
    from bot.commands import SlashCommand

    ask = SlashCommand(community.actor("alice"), "general", "ask", "Question?", event_key="Ev1")
    await community.entraide.handle(ask)
    await community.entraide.run_due(START + timedelta(days=6))
    assert await community.entraide.handle(ask) is None  # still remembered: a redelivery
    await community.entraide.run_due(START + timedelta(days=8))
    community.advance(days=8)
    assert await community.entraide.handle(ask) is not None  # a week later, a new event


async def test_a_reply_to_the_weekly_digest_is_no_practice_share(community):
    await community.command(
        "olga", "entraide", "schedule digest #general friday 16:00 UTC", organiser=True
    )
    await run_until(community, datetime(2026, 11, 27, 16, 0, tzinfo=UTC))
    [digest] = community.chat.posts_in("general")
    await community.reply("erin", digest.message_id, "Great week, thanks all", channel="general")
    async with community.store.transaction() as tx:
        assert await tx.practice.all_shares(community.id) == []
    found = await community.command("carol", "search", "great week")
    assert "Great week" not in found.plain_text()

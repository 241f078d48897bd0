"""Reminders gathered into round-ups: one channel post a day whatever the number of open
questions, oldest first, answered ones out; topic followers told once a day at most."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from tests.bot.loop import listed, private_to, roundups
from tests.bot.test_due import run_until
from tests.conftest import START, make_community
from tests.fakes import FakeChat


def no_routing(community) -> None:
    """Only round-ups: nobody is asked privately (routing has tests of its own)."""
    community.entraide.core.routing_per_day = 0


async def test_twenty_open_questions_make_one_roundup_a_day_oldest_first(community):
    cards = [await community.ask(f"m{n:02d}", f"Question number {n}?") for n in range(20)]
    await run_until(community, START + timedelta(days=7))
    posts = community.chat.posts_in("help")
    assert len(posts) == 20 + 3  # the cards, and three round-ups: each question's three rounds
    assert [listed(p) for p in roundups(community)] == [cards] * 3
    assert "20 question(s) still without an answer, oldest first" in roundups(community)[0].text


async def test_a_question_that_got_an_answer_leaves_the_roundup(community):
    first = await community.ask("alice", "First? #remote")
    second = await community.ask("bob", "Second?")
    third = await community.ask("carol", "Third?")
    await community.react("dave", third, "eyes")
    await run_until(community, START + timedelta(days=1))
    [monday] = roundups(community)
    assert listed(monday) == [first, second, third]
    assert "waiting for 24 h · #remote" in monday.text
    assert "Third? · waiting for 24 h · 1 with the same question" in monday.text
    await community.reply("erin", second, "Try this")
    await run_until(community, START + timedelta(days=2))
    assert listed(roundups(community)[-1]) == [first, third]


async def test_an_answer_before_the_roundup_is_sent_takes_the_question_out(community):
    """The round-up is rendered when it is sent: what was answered meanwhile is gone."""
    first = await community.ask("alice", "First?")
    second = await community.ask("bob", "Second?")
    community.chat.unavailable_channels.add("help")
    await run_until(community, START + timedelta(days=1))
    await community.reply("erin", first, "Here you go")
    community.chat.unavailable_channels.clear()
    await community.entraide.run_due(START + timedelta(days=1, minutes=5))
    [roundup] = roundups(community)
    assert listed(roundup) == [second]


async def test_a_channel_may_have_more_roundups_a_day_when_organisers_say_so(db):
    community = make_community(db)
    community.entraide.core.max_channel_posts_per_day = 2
    first = await community.ask("alice", "Morning question?")
    community.advance(hours=6)
    second = await community.ask("bob", "Afternoon question?")
    await run_until(community, START + timedelta(days=1, hours=7))
    assert [listed(p) for p in roundups(community)] == [[first], [second]]
    await run_until(community, START + timedelta(days=1, hours=23))
    assert len(roundups(community)) == 2  # the day's two are made: the third waits


async def test_the_roundup_waits_for_the_communitys_morning_and_says_when(db):
    community = make_community(db, timezone="Europe/Paris")
    community.clock.set(datetime(2026, 11, 23, 21, 30, tzinfo=UTC))  # 22:30 in Paris
    card = await community.ask("alice", "Late question?")
    due = datetime(2026, 11, 24, 21, 30, tzinfo=UTC)
    assert await community.entraide.next_due(due) == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    await run_until(community, datetime(2026, 11, 25, 6, 59, tzinfo=UTC))
    assert roundups(community) == []
    await run_until(community, datetime(2026, 11, 25, 7, 0, tzinfo=UTC))  # 08:00 in Paris
    assert [listed(p) for p in roundups(community)] == [[card]]


async def test_next_due_includes_the_next_roundup_of_a_day_already_used(community):
    await community.ask("alice", "Early?")
    community.advance(hours=3)
    await community.ask("bob", "Later?")
    await run_until(community, START + timedelta(days=1))  # Tuesday's round-up: the first only
    after = START + timedelta(days=1, hours=3, minutes=1)
    # The second waited its delay at 11:00, but the channel had its round-up today.
    assert await community.entraide.next_due(after) == START + timedelta(days=2)


async def test_topic_followers_get_one_private_roundup_a_day_at_most(db):
    community = make_community(db)
    no_routing(community)
    community.entraide.core.max_channel_posts_per_day = 2
    await community.command("dave", "entraide", "topics add remote tools")
    await community.command("erin", "entraide", "topics add cooking")
    await community.command("alice", "entraide", "topics add remote")  # the asker herself
    await community.command("paul", "entraide", "topics add remote")
    await community.command("paul", "entraide", "topics off")
    remote = await community.ask("alice", "Cameras off? #remote")
    tools = await community.ask("bob", "Which whiteboard? #tools")
    community.advance(hours=6)
    later = await community.ask("carol", "Breakout rooms? #remote")
    await run_until(community, START + timedelta(days=1, hours=7))
    assert len(roundups(community)) == 2  # two channel posts that day…
    [told] = private_to(community, "dave", "Questions on your topics")  # …one message to dave
    assert listed(told) == [remote, tools]
    assert "2 question(s) on topics you follow" in told.plain_text()
    assert private_to(community, "erin", "Questions on") == []
    assert private_to(community, "paul", "Questions on") == []
    assert [listed(m) for m in private_to(community, "alice", "Questions on")] == [[later]]
    await run_until(community, START + timedelta(days=2, hours=7))
    assert len(private_to(community, "dave", "Questions on your topics")) == 2  # the next day


async def test_a_follower_already_asked_privately_is_not_told_again(community):
    await community.command("dave", "entraide", "topics add remote")
    card = await community.ask("alice", "Cameras off? #remote")
    await run_until(community, START + timedelta(days=1))
    assert [listed(p) for p in roundups(community)] == [[card]]
    assert private_to(community, "dave", "Could you help with Q1?")  # routed at 4 h
    assert private_to(community, "dave", "Questions on your topics") == []


async def test_roundups_are_in_the_communitys_language(db):
    community = make_community(db, language="fr")
    await community.ask("alice", "Caméras éteintes ?")
    await run_until(community, START + timedelta(days=1))
    [roundup] = roundups_fr(community)
    assert "1 question(s) toujours sans réponse" in roundup.text
    assert "en attente depuis 24 h" in roundup.text


def roundups_fr(community):
    return [p for p in community.chat.posts_in("help") if "en attente de réponse" in p.text]


async def test_two_instances_racing_post_each_roundup_once(db):
    chat = FakeChat()
    first = make_community(db, chat=chat)
    second = make_community(db, chat=chat, clock=ManualClock(START))
    no_routing(first)
    no_routing(second)
    await first.command("dave", "entraide", "topics add remote")
    for n in range(5):
        await first.ask(f"m{n}", f"Question {n}? #remote")
    due = START + timedelta(days=1)
    for instance in (first, second):
        instance.clock.set(due)
    await asyncio.gather(*(c.entraide.run_due(due) for c in (first, second, first, second)))
    await first.entraide.deliver_due()
    assert len(roundups(first)) == 1
    assert len(private_to(first, "dave", "Questions on your topics")) == 1
    async with db.transaction() as tx:
        assert [(await tx.questions.get(first.id, n)).reminders_sent for n in range(1, 6)] == [
            1
        ] * 5

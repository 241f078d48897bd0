"""Ask the asker: answers but none accepted after 48 h, one private message listing them
with an Accept button each and Still open; once, and again only after a new answer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock import ManualClock
from bot.domain import QuestionStatus
from bot.questions.answers import ACCEPT
from bot.questions.nudge import STILL_OPEN
from tests.bot.loop import private_to
from tests.bot.test_due import run_until
from tests.conftest import START, make_community
from tests.fakes import FakeChat


def nudges(community, member: str = "alice"):
    return private_to(community, member, "Did an answer help")


async def question(community, number: int = 1):
    async with community.store.transaction() as tx:
        return await tx.questions.get(community.id, number)


async def test_the_asker_is_asked_once_48_hours_after_the_first_answer(community):
    card = await community.ask("alice", "How do I open a session?")
    community.advance(hours=1)
    await community.reply("bob", card, "Start with a question")
    first = START + timedelta(hours=1)
    await community.react("dave", await community.reply("carol", card, "A story works"), "✅")
    await run_until(community, first + timedelta(hours=47, minutes=59))
    assert nudges(community) == []
    await run_until(community, first + timedelta(hours=48))
    [nudge] = nudges(community)
    assert nudge.title[0].text == "Did an answer help with Q1?"
    text = nudge.plain_text()
    assert "Your question How do I open a session? has 2 answer(s)" in text
    assert "1. Bob: Start with a question · 0 found it helpful" in text
    assert "2. Carol: A story works · 1 found it helpful" in text
    assert [(b.label, b.action) for b in nudge.buttons] == [
        ("Accept 1", ACCEPT),
        ("Accept 2", ACCEPT),
        ("Still open", STILL_OPEN),
    ]
    assert nudge.refers_to == card
    await run_until(community, START + timedelta(days=10))
    assert len(nudges(community)) == 1  # once


async def test_again_only_after_a_new_answer_and_accept_resolves(community):
    card = await community.ask("alice", "How do I open a session?")
    await community.reply("bob", card, "Start with a question")
    await run_until(community, START + timedelta(days=5))
    assert len(nudges(community)) == 1
    await community.reply("carol", card, "Or with a story")
    await run_until(community, START + timedelta(days=6, hours=23))
    assert len(nudges(community)) == 1
    await run_until(community, START + timedelta(days=7))
    second = nudges(community)[-1]
    assert len(nudges(community)) == 2 and "has 2 answer(s)" in second.plain_text()
    accept = second.buttons[1]  # carol's
    refused = await community.press("bob", accept.action, accept.value)
    assert "Only the person who asked" in refused.plain_text()
    await community.press("alice", accept.action, accept.value)
    resolved = await question(community)
    assert resolved.status is QuestionStatus.RESOLVED
    async with community.store.transaction() as tx:
        [_, carols] = await tx.questions.answers(community.id, 1)
    assert resolved.accepted_answer_id == carols.id


async def test_anonymous_askers_are_asked_privately_too(community):
    card = await community.ask("alice", "--anonymous Is it normal to feel lost?")
    await community.reply("bob", card, "Yes, everyone does at first")
    await run_until(community, START + timedelta(days=3))
    [nudge] = nudges(community)
    assert "Alice" not in "".join(p.text for p in community.chat.posts)
    await community.press("alice", nudge.buttons[0].action, nudge.buttons[0].value)
    assert (await question(community)).status is QuestionStatus.RESOLVED


async def test_no_nudge_once_resolved_nor_without_answers(community):
    card = await community.ask("alice", "Resolved quickly?")
    await community.react("alice", await community.reply("bob", card, "Yes"), "✅")
    await community.ask("carol", "Nobody answers?")
    await run_until(community, START + timedelta(days=5))
    assert nudges(community) == [] and nudges(community, "carol") == []


async def test_still_open_is_noted_in_the_history(community):
    card = await community.ask("alice", "How do I open a session?")
    await community.reply("bob", card, "Start with a question")
    await run_until(community, START + timedelta(days=2))
    [nudge] = nudges(community)
    still = nudge.buttons[-1]
    refused = await community.press("bob", still.action, still.value)
    assert "Only the person who asked" in refused.plain_text()
    reply = await community.press("alice", still.action, still.value)
    assert "Q1 stays open" in reply.plain_text()
    assert (await question(community)).status is QuestionStatus.ANSWERED
    shown = await community.command("olga", "entraide", "history 1", organiser=True)
    assert "which of the 1 answer(s) helped" in shown.plain_text()
    assert "the asker said it is still open" in shown.plain_text()


async def test_the_nudge_is_in_the_askers_language(community):
    card = await community.ask("alice", "Question?", locale="fr-FR")
    await community.reply("bob", card, "Réponse")
    await run_until(community, START + timedelta(days=2))
    [nudge] = private_to(community, "alice", "Une réponse vous a-t-elle aidé")
    assert "Toujours ouverte" in [b.label for b in nudge.buttons]


async def test_two_instances_racing_nudge_once(db):
    chat = FakeChat()
    first = make_community(db, chat=chat)
    second = make_community(db, chat=chat, clock=ManualClock(START))
    card = await first.ask("alice", "Question?")
    await first.reply("bob", card, "Answer")
    due = START + timedelta(hours=48)
    for instance in (first, second):
        instance.clock.set(due)
    await asyncio.gather(*(c.entraide.run_due(due) for c in (first, second, first, second)))
    await first.entraide.deliver_due()
    assert len(nudges(first)) == 1


async def test_a_nudge_due_in_the_askers_night_waits_for_their_morning(community):
    """Due at 20:30 UTC, which is 05:30 in Tokyo: sent at 08:00 there (23:00 UTC)."""
    card = await community.ask("kenji", "How do I open a session?", timezone="Asia/Tokyo")
    community.advance(hours=12, minutes=30)
    await community.reply("bob", card, "Start with a question")
    due = START + timedelta(hours=60, minutes=30)  # Wednesday 20:30 UTC
    assert await community.entraide.next_due(due) == START + timedelta(hours=63)
    await run_until(community, START + timedelta(hours=62, minutes=59))
    assert nudges(community, "kenji") == []
    await run_until(community, START + timedelta(hours=63))
    assert len(nudges(community, "kenji")) == 1

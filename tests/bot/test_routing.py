"""Routing: a question unanswered after 4 h reaches up to three members who know its topics,
declared or shown (accepted and helpful answers, shared resources, recent ones weighing
more), under the rules: two a day, none while a request waits, not at night in the member's
zone, never the asker, not after /entraide topics off. Take it, or pass it on."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.questions.card import CLOSE
from bot.questions.closing import NOT_NEEDED
from bot.questions.routing import DECLINE, TAKE
from tests.bot.loop import asked, button, requests
from tests.bot.test_due import run_until
from tests.conftest import START, make_community
from tests.fakes import FakeChat

ROUTED = START + timedelta(hours=4)


async def declare(community, member: str, topics: str, **kw) -> None:
    await community.command(member, "entraide", f"topics add {topics}", **kw)


async def test_after_four_hours_members_who_declared_the_topic_are_asked(community):
    await declare(community, "dave", "remote")
    await declare(community, "erin", "remote tools")
    await declare(community, "frank", "cooking")
    card = await community.ask("alice", "Cameras off all the time? | In long sessions #remote")
    await run_until(community, ROUTED - timedelta(minutes=1))
    assert requests(community) == []
    await run_until(community, ROUTED)
    assert sorted(asked(community)) == ["dave", "erin"]
    [(_, request)] = [r for r in requests(community) if r[0] == "dave"]
    assert request.title[0].text == "Could you help with Q1?"
    assert "Cameras off all the time?" in request.plain_text() and "#remote" in request.plain_text()
    assert request.refers_to == card  # a link to the question
    assert [b.action for b in request.buttons] == [TAKE, DECLINE]


async def test_members_are_chosen_by_declared_and_inferred_topics_recent_ones_first(community):
    # Two months ago, bob's answer to a #remote question was accepted.
    old = await community.ask("alice", "Microphones? #remote")
    await community.react("alice", await community.reply("bob", old, "A headset"), "✅")
    community.advance(days=60)
    # Lately: carol's answer on #remote was found helpful, gail shared a #remote resource,
    # and the asker herself shared one too.
    recent = await community.ask("henry", "How to split a big class into breakout rooms? #remote")
    await community.react("erin", await community.reply("carol", recent, "Small groups"), "✅")
    await community.command("gail", "share", "https://example.com/remote-guide #remote")
    await community.command("alice", "share", "https://example.com/remote-tips #remote")
    await declare(community, "dave", "remote")
    await declare(community, "frank", "cooking")
    await community.ask("alice", "Cameras off all the time? #remote")
    await run_until(community, community.clock.now() + timedelta(hours=4))
    # dave declared it (1), carol and gail showed it lately (0.5 each), bob long ago (1/4).
    assert sorted(asked(community, 3)) == ["carol", "dave", "gail"]  # not bob, not the asker


async def test_a_question_without_tags_routes_to_nobody(community):
    await declare(community, "dave", "remote")
    await community.ask("alice", "Anyone?")
    await run_until(community, START + timedelta(days=1))
    assert requests(community) == []


async def test_two_requests_a_day_at_most_and_none_while_one_waits(community):
    await declare(community, "dave", "remote")
    for asker in ("alice", "bob", "carol"):
        await community.ask(asker, f"Question from {asker}? #remote")
    await run_until(community, ROUTED + timedelta(hours=2))
    assert asked(community) == ["dave"]  # his request for Q1 waits: not Q2 yet
    [(_, first)] = requests(community)
    take = button(first, TAKE)
    await community.press("dave", take.action, take.value)
    await run_until(community, ROUTED + timedelta(hours=3))
    assert asked(community) == ["dave", "dave"]  # Q2, his second today
    second = requests(community)[1][1]
    await community.press("dave", TAKE, button(second, TAKE).value)
    await run_until(community, START + timedelta(hours=23))
    assert len(requests(community)) == 2  # two today: Q3 waits for tomorrow
    await run_until(community, START + timedelta(days=1, hours=1))
    assert asked(community, 3) == ["dave"]


async def test_a_request_left_unanswered_holds_the_member_back_for_a_day(community):
    await declare(community, "dave", "remote")
    await community.ask("alice", "First? #remote")
    await community.ask("bob", "Second? #remote")
    await run_until(community, ROUTED + timedelta(hours=23))
    assert asked(community) == ["dave"]
    await run_until(community, ROUTED + timedelta(hours=24))
    assert asked(community) == ["dave", "dave"]


async def test_nobody_is_asked_inside_their_quiet_hours_in_their_own_zone(community):
    await declare(community, "kenji", "remote", timezone="Asia/Tokyo")
    await declare(community, "lea", "remote", timezone="Europe/Paris")
    await community.ask("alice", "Cameras off? #remote")
    await run_until(community, ROUTED)  # 12:00 UTC: 21:00 in Tokyo, 13:00 in Paris
    assert asked(community) == ["lea"]
    await run_until(community, datetime(2026, 11, 23, 22, 59, tzinfo=UTC))
    assert asked(community) == ["lea"]
    await run_until(community, datetime(2026, 11, 23, 23, 0, tzinfo=UTC))  # 08:00 in Tokyo
    assert asked(community) == ["lea", "kenji"]


async def test_the_clock_wakes_when_a_held_back_member_may_be_asked_not_every_hour(community):
    """The console and the demo move the clock from one due instant to the next: a question
    that still needs someone is due again when a candidate's quiet hours end."""
    await declare(community, "kenji", "remote", timezone="Asia/Tokyo")
    await declare(community, "lea", "remote", timezone="Europe/Paris")
    await community.ask("alice", "Cameras off? #remote")
    await run_until(community, ROUTED)
    assert asked(community) == ["lea"]
    assert await community.entraide.next_due(ROUTED) == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)


async def test_the_asker_is_never_asked_and_topics_off_opts_out(community):
    await declare(community, "alice", "remote")
    await declare(community, "dave", "remote")
    off = await community.command("dave", "entraide", "topics off")
    assert "until /entraide topics on" in off.plain_text()
    shown = await community.command("dave", "entraide", "topics")
    assert "#remote" in shown.plain_text() and "Paused" in shown.plain_text()
    await community.ask("alice", "Cameras off? #remote")
    await run_until(community, ROUTED + timedelta(hours=1))
    assert requests(community) == []
    await community.command("dave", "entraide", "topics on")
    await run_until(community, ROUTED + timedelta(hours=2))
    assert asked(community) == ["dave"]


async def test_ill_take_it_shows_on_the_card_until_answered(community):
    await declare(community, "dave", "remote")
    card = await community.ask("alice", "Cameras off? #remote")
    await run_until(community, ROUTED)
    [(_, request)] = requests(community)
    async with community.store.transaction() as tx:  # read by the question's id alone
        assert len(await tx.routing.for_question(community.id, 1)) == 1
        assert await tx.routing.for_question("another", 1) == []
    refused = await community.press("erin", TAKE, button(request, TAKE).value)
    assert "meant for someone else" in refused.plain_text()
    reply = await community.press("dave", TAKE, button(request, TAKE).value)
    assert "Q1 now says you are looking at it" in reply.plain_text()
    assert "Dave is looking at it" in community.chat.last_edit(card).plain_text()
    other = await community.ask("bob", "Which webcam for a small room?")
    assert "looking at it" not in community.chat.messages[other].text  # Q1's taker only
    await community.reply("dave", card, "Ask them to turn them on for the first minutes")
    assert "looking at it" not in community.chat.last_edit(card).plain_text()


async def test_each_card_names_the_member_looking_at_its_own_question(community):
    await declare(community, "dave", "remote")
    await declare(community, "erin", "audio")
    first = await community.ask("alice", "Cameras off? #remote")
    second = await community.ask("bob", "Which microphone? #audio")
    await run_until(community, ROUTED)
    for member in ("erin", "dave"):  # the later request taken first
        [(_, request)] = [r for r in requests(community) if r[0] == member]
        await community.press(member, TAKE, button(request, TAKE).value)
    assert "Dave is looking at it" in community.chat.last_edit(first).plain_text()
    assert "Erin is looking at it" in community.chat.last_edit(second).plain_text()


async def test_not_for_me_asks_the_next_candidate_at_once(community):
    for member in ("dave", "erin", "frank", "gail"):
        await declare(community, member, "remote")
    await community.ask("alice", "Cameras off? #remote")
    await run_until(community, ROUTED)
    assert sorted(asked(community)) == ["dave", "erin", "frank"]
    [(_, request)] = [r for r in requests(community) if r[0] == "erin"]
    reply = await community.press("erin", DECLINE, button(request, DECLINE).value)
    assert "someone else will be asked about Q1" in reply.plain_text()
    assert asked(community)[3:] == ["gail"]


async def test_a_request_is_not_sent_once_the_question_is_answered(community):
    """Rendered when it is sent: a request on its way to a member away is dropped once answered."""
    await declare(community, "dave", "remote")
    card = await community.ask("alice", "Cameras off? #remote")
    await community.entraide.entraide.run_due(ROUTED)  # queued, not yet delivered
    await community.reply("erin", card, "An answer")
    assert requests(community) == []


async def test_organisers_see_who_was_asked_in_the_questions_history(community):
    for member in ("dave", "erin"):
        await declare(community, member, "remote")
    card = await community.ask("alice", "Cameras off? #remote")
    await run_until(community, ROUTED)
    dave = next(m for who, m in requests(community) if who == "dave")
    erin = next(m for who, m in requests(community) if who == "erin")
    await community.press("dave", TAKE, button(dave, TAKE).value)
    await community.press("erin", DECLINE, button(erin, DECLINE).value)
    community.advance(hours=1)
    await community.reply("dave", card, "Turn them on for the first minutes")
    await community.press("alice", NOT_NEEDED, "1")
    refused = await community.command("bob", "entraide", "history 1")
    assert "Only organisers" in refused.plain_text()
    shown = await community.command("olga", "entraide", "history Q1", organiser=True)
    lines = shown.plain_text().splitlines()
    assert lines[0] == "History of Q1 Cameras off?"
    assert lines[1:] == [
        "2026-11-23 08:00 · asked by Alice",
        "2026-11-23 12:00 · Dave asked privately to help",
        "2026-11-23 12:00 · Erin asked privately to help",
        "2026-11-23 12:00 · Dave took it",
        "2026-11-23 12:00 · Erin declined",
        "2026-11-23 13:00 · answer by Dave (0 found it helpful)",
        "2026-11-23 13:00 · closed: no longer needed",
    ]
    assert CLOSE  # the card's Close button asks the reason first (tests/bot/test_closing.py)


async def test_an_anonymous_askers_name_stays_out_of_the_history(community):
    await community.ask("alice", "--anonymous Is it normal to feel lost? #remote")
    shown = await community.command("olga", "entraide", "history 1", organiser=True)
    assert "asked anonymously" in shown.plain_text() and "Alice" not in shown.plain_text()


async def test_two_instances_racing_keep_every_rule(db):
    chat = FakeChat()
    first = make_community(db, chat=chat)
    second = make_community(db, chat=chat, clock=ManualClock(START))
    await declare(first, "dave", "remote")
    await first.ask("alice", "First? #remote")
    await first.ask("bob", "Second? #remote")
    for instance in (first, second):
        instance.clock.set(ROUTED)
    await asyncio.gather(*(c.entraide.run_due(ROUTED) for c in (first, second, first, second)))
    await first.entraide.deliver_due()
    assert asked(first) == ["dave"]  # one request, not one per instance or per question

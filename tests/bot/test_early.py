"""Replies and reactions about a post not recorded yet (the post made, its id not written):
kept while the post is in flight, handled once it is recorded, forgotten if it never is."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.clock import ManualClock
from bot.commands import MessagePosted, ReactionAdded, ReactionRemoved, SlashCommand
from bot.domain import MarkKind, QuestionStatus
from bot.early import EARLY_WAIT
from bot.text import clean_reply
from tests.bot.test_due import schedule_prompts
from tests.bot.test_handing_over import until
from tests.bot.test_organisers import CONFIRM
from tests.conftest import START, make_community
from tests.fakes import FakeChat


async def reply_now(community, member: str, thread_id: str, text: str, channel="help") -> str:
    """A member replies in a thread; the core alone handles it (nothing delivered after)."""
    message_id = community.chat.member_message(channel, member, text)
    await community.entraide.entraide.handle(
        MessagePosted(community.actor(member), channel, message_id, text, thread_id=thread_id)
    )
    return message_id


async def answers(community, number: int = 1) -> list:
    async with community.store.transaction() as tx:
        return await tx.questions.answers(community.id, number)


async def kept(community) -> list:
    async with community.store.transaction() as tx:
        return await tx.early_events.oldest()


async def card_whose_answer_is_lost(community, title: str = "Which LMS?") -> str:
    """Alice asks; the card is posted, and the platform's answer never comes: the bot does
    not know the card's id until a retry finds it. Returns the card's message id."""
    community.chat.lost_answers.add("help")
    await community.ask("alice", title)
    [card] = community.chat.posts_in("help")
    return card.message_id


async def card_being_posted(community) -> tuple[str, asyncio.Task]:
    """Alice asks; the card is posted, and the platform's answer waits for
    ``community.chat.answer_after``. Returns the card's id and the delivery under way."""
    core = community.entraide.entraide
    community.chat.answer_after = asyncio.Event()
    await core.handle(SlashCommand(community.actor("alice"), "general", "ask", "Which LMS?"))
    delivering = asyncio.create_task(core.deliver_due())
    await until(lambda: community.chat.posts)
    [card] = community.chat.posts_in("help")
    return card.message_id, delivering


async def test_a_reply_while_the_card_is_posted_is_an_answer_once_the_card_is_recorded(community):
    card, delivering = await card_being_posted(community)
    reply = await reply_now(community, "bob", card, "Moodle works well")
    assert await answers(community) == []  # the card's id is not written yet

    community.chat.answer_after.set()
    await delivering
    await community.entraide.run_due(START + timedelta(seconds=30))  # the next tick
    [answer] = await answers(community)
    assert (answer.author_id, answer.text, answer.message_id) == ("bob", "Moodle works well", reply)
    assert answer.created_at == START  # when Bob replied, not when it was counted
    async with community.store.transaction() as tx:
        question = await tx.questions.get(community.id, 1)
    assert question.status is QuestionStatus.ANSWERED and question.first_answer_at == START
    assert "Status: answered" in community.chat.last_edit(card).plain_text()
    assert await kept(community) == []
    await community.entraide.run_due(START + timedelta(seconds=60))
    assert len(await answers(community)) == 1  # counted once


async def test_what_this_instance_kept_is_handled_as_soon_as_the_card_is_recorded(community):
    """No tick needed when the instance that kept the reply records the card."""
    card, delivering = await card_being_posted(community)
    await reply_now(community, "bob", card, "Moodle works well")
    community.chat.answer_after.set()
    await delivering
    for _ in range(500):
        if await answers(community):
            break
        await asyncio.sleep(0.01)
    assert [a.text for a in await answers(community)] == ["Moodle works well"]
    assert await kept(community) == []


async def test_what_one_instance_kept_is_handled_at_the_tick_of_another(db):
    chat, clock = FakeChat(), ManualClock(START)
    keeping, other = make_community(db, chat=chat, clock=clock), make_community(db, chat=chat)
    card = await card_whose_answer_is_lost(keeping)
    await reply_now(keeping, "bob", card, "Moodle works well")
    chat.lost_answers.clear()
    other.clock.set(START + timedelta(minutes=5))
    await other.entraide.deliver_due()  # the other instance finds the card, and records it
    assert await answers(other) == []  # it kept nothing itself: the reply waits for a tick
    await other.entraide.run_due(START + timedelta(minutes=5))
    assert [a.text for a in await answers(other)] == ["Moodle works well"]


async def test_two_instances_ticking_at_once_handle_each_kept_event_once(db):
    chat, clock = FakeChat(), ManualClock(START)
    first, second = make_community(db, chat=chat, clock=clock), make_community(db, chat=chat)
    card = await card_whose_answer_is_lost(first)
    replies = [
        await reply_now(first, member, card, f"{member}'s answer")
        for member in ("bob", "carol", "dave")
    ]
    await react_now(first, "alice", replies[1], "white_check_mark")
    chat.lost_answers.clear()
    second.clock.set(START + timedelta(minutes=5))
    await second.entraide.deliver_due()  # recorded by the instance that kept nothing
    moment = START + timedelta(minutes=5)
    await asyncio.gather(first.entraide.run_due(moment), second.entraide.run_due(moment))
    found = await answers(first)
    assert [a.text for a in found] == ["bob's answer", "carol's answer", "dave's answer"]
    async with first.store.transaction() as tx:
        [question] = await tx.questions.all(first.id)
    assert question.accepted_answer_id == found[1].id
    assert len([p for p in chat.posts if p.thread_id == card]) == 1  # one note
    assert await kept(first) == []


async def test_a_share_in_a_prompts_thread_whose_answer_was_lost_counts_once_it_is_found(
    community,
):
    await schedule_prompts(community)
    community.chat.lost_answers.add("practice")  # posted, and the platform's answer never came
    due = START + timedelta(minutes=30)
    await community.entraide.run_due(due)
    [prompt] = community.chat.posts_in("practice")
    await reply_now(community, "bob", prompt.message_id, "A silent brainstorm", channel="practice")
    community.chat.lost_answers.clear()

    # The retry finds the prompt by its key and records it; the tick after counts the share.
    await community.entraide.run_due(due + timedelta(minutes=5))
    await community.entraide.run_due(due + timedelta(minutes=5, seconds=30))
    assert len(community.chat.posts_in("practice")) == 1
    async with community.store.transaction() as tx:
        [share] = await tx.practice.all_shares(community.id)
    assert (share.author_id, share.text) == ("bob", "A silent brainstorm")
    found = await community.command("carol", "search", "brainstorm")
    assert "silent brainstorm" in found.plain_text()


async def test_a_reply_in_a_thread_of_no_post_of_ours_is_not_kept(community):
    await community.ask("alice", "Which LMS?")  # posted and recorded: nothing in flight
    lunch = community.chat.member_message("help", "carol", "Lunch?")
    await reply_now(community, "bob", lunch, "Yes!")
    assert await kept(community) == []
    assert await answers(community) == []


async def test_a_reply_kept_for_a_post_never_recorded_is_forgotten(community):
    core = community.entraide.entraide
    card = await card_whose_answer_is_lost(community)
    await reply_now(community, "bob", card, "Moodle")
    assert len(await kept(community)) == 1
    await core.run_due(START + EARLY_WAIT)  # still in flight: still kept
    assert len(await kept(community)) == 1
    await core.run_due(START + EARLY_WAIT + timedelta(seconds=30))
    assert await kept(community) == []

    community.chat.lost_answers.clear()
    await community.entraide.run_due(START + EARLY_WAIT + timedelta(minutes=1))
    await community.entraide.run_due(START + EARLY_WAIT + timedelta(minutes=2))
    assert await answers(community) == []


async def test_what_was_about_another_message_is_forgotten_once_the_posts_in_flight_are_recorded(
    community,
):
    community.chat.lost_answers.add("help")
    await community.ask("alice", "Which LMS?")
    lunch = community.chat.member_message("help", "carol", "Lunch?")
    await reply_now(community, "bob", lunch, "Yes!")
    await react_now(community, "dave", lunch, "eyes")
    assert len(await kept(community)) == 2  # the card in flight may be what they are about
    community.chat.lost_answers.clear()

    community.clock.set(START + timedelta(minutes=5))
    await community.entraide.deliver_due()  # the card found, recorded: they were not about it
    await community.entraide.run_due(START + timedelta(minutes=5))
    assert await kept(community) == []
    assert await answers(community) == []


async def test_a_member_forgotten_leaves_no_reply_kept(community):
    card = await card_whose_answer_is_lost(community)
    await reply_now(community, "bob", card, "My secret technique")
    assert len(await kept(community)) == 1
    confirm = await community.command("bob", "entraide", "forget-me")
    await community.press("bob", CONFIRM, confirm.buttons[0].value)
    assert await kept(community) == []


async def react_now(community, member: str, message_id: str, emoji: str, channel="help") -> None:
    """A member reacts; the core alone handles it (nothing delivered after)."""
    await community.entraide.entraide.handle(
        ReactionAdded(community.actor(member), channel, message_id, emoji)
    )


async def test_reactions_on_a_card_and_its_reply_before_either_is_recorded_count_once_they_are(
    community,
):
    """The card's answer was lost: Carol says "me too" on it, Bob answers in its thread,
    and Alice accepts Bob's answer, all before the bot knows the card. Once a retry finds
    the card, the next tick counts them all, in the order they came."""
    card = await card_whose_answer_is_lost(community, "Which LMS for a small team?")
    await react_now(community, "carol", card, "eyes")
    reply = await reply_now(community, "bob", card, "Moodle works well")
    await react_now(community, "alice", reply, "white_check_mark")
    assert len(await kept(community)) == 3
    community.chat.lost_answers.clear()

    await community.entraide.run_due(START + timedelta(minutes=5))  # the card found, recorded
    await community.entraide.run_due(START + timedelta(minutes=5, seconds=30))  # the next tick
    async with community.store.transaction() as tx:
        question = await tx.questions.get(community.id, 1)
        me_too = await tx.marks.count(community.id, card, MarkKind.ME_TOO)
    assert question.status is QuestionStatus.RESOLVED and question.accepted_answer_id == 1
    assert me_too == 1
    assert await kept(community) == []


async def test_a_reaction_on_a_message_of_no_post_of_ours_is_not_kept(community):
    await community.ask("alice", "Which LMS?")  # posted and recorded: nothing in flight
    lunch = community.chat.member_message("help", "carol", "Lunch?")
    await react_now(community, "bob", lunch, "white_check_mark")
    assert await kept(community) == []


# -- early or not, the same outcome ---------------------------------------------------------------

MEMBERS = ("alice", "bob", "carol", "dave")  # alice asks
# What members do about a card: reply in its thread, or react to the card or to a reply
# (by its place among the replies), with the me-too or the helpful emoji, added or removed.
an_action = st.one_of(
    st.tuples(st.just("reply"), st.sampled_from(MEMBERS), st.sampled_from(["Moodle", "Canvas"])),
    st.tuples(
        st.just("react"),
        st.sampled_from(MEMBERS),
        st.one_of(st.just("card"), st.integers(0, 3)),
        st.sampled_from(["eyes", "white_check_mark"]),
        st.booleans(),
    ),
)


async def act(community, card: str, actions: list[tuple], lost: bool) -> None:
    """The actions as members make them, each with the key its platform gives, before the
    card's post is recorded (``lost``: its answer never came) or after."""
    replies: list[str] = []
    for n, action in enumerate(actions):
        if action[0] == "reply":
            replies.append(await reply_now(community, action[1], card, action[2]))
            continue
        _, member, target, emoji, added = action
        if target != "card" and target >= len(replies):
            continue  # no such reply yet
        message = card if target == "card" else replies[target]
        kind = ReactionAdded if added else ReactionRemoved
        await community.entraide.entraide.handle(
            kind(community.actor(member), "help", message, emoji, event_key=f"ev{n}")
        )


async def outcome(community) -> tuple:
    """What members see of the question: its status, the answers (who, what, how helpful), the
    accepted one's place, and how many said "me too"."""
    async with community.store.transaction() as tx:
        [question] = await tx.questions.all(community.id)
        found = await tx.questions.answers(community.id, question.id)
        me_too = await tx.marks.count(community.id, question.message_id, MarkKind.ME_TOO)
    answers = [(a.author_id, a.text, a.helpful_count) for a in found]
    accepted = next((n for n, a in enumerate(found) if a.id == question.accepted_answer_id), None)
    return question.status, answers, accepted, me_too


@given(actions=st.lists(an_action, max_size=8))
@settings(max_examples=max(10, settings.default.max_examples // 4))  # two worlds an example
@example(actions=[("reply", "bob", "Moodle"), ("react", "alice", 0, "white_check_mark", True)])
@example(
    actions=[
        ("reply", "bob", "Moodle"),
        ("react", "carol", 0, "white_check_mark", True),
        ("react", "carol", 0, "white_check_mark", False),
        ("react", "carol", 0, "white_check_mark", True),
    ]
)
async def test_replies_and_reactions_before_the_card_is_recorded_end_as_if_they_came_after(
    db, actions
):
    """Whatever members do while the card's post is not recorded yet ends as it would have
    had they done it once the card was known."""
    worlds = []
    for lost in (False, True):
        community = make_community(db, f"c{uuid.uuid4().hex[:12]}")
        if lost:
            community.chat.lost_answers.add("help")
        await community.ask("alice", "Which LMS for a small team?")
        [card] = community.chat.posts_in("help")
        await act(community, card.message_id, actions, lost)
        community.chat.lost_answers.clear()
        community.clock.set(START + timedelta(minutes=5))
        await community.entraide.deliver_due()  # the retry finds the card, and records it
        await community.entraide.run_due(START + timedelta(minutes=5))  # handles what waited
        worlds.append(await outcome(community))
    assert worlds[1] == worlds[0]


async def test_any_text_and_emoji_kept_early_are_stored_whole_and_handled(community):
    """What a platform sends is kept as it came, whatever it holds (NUL, lone surrogates,
    bidi controls, very long texts), and handled once the card is known."""
    nasty = ["\x00", "\ud800 half", "\u202eevil\u202c", "x" * 40_000, "🙂\u200d", ""]
    card = await card_whose_answer_is_lost(community, "Which LMS for a small team?")
    for text in nasty:
        await reply_now(community, "bob", card, text)
        await react_now(community, "carol", card, text or "eyes")
    assert len(await kept(community)) == 2 * len(nasty)
    community.chat.lost_answers.clear()
    community.clock.set(START + timedelta(minutes=5))
    await community.entraide.deliver_due()
    await community.entraide.run_due(START + timedelta(minutes=5))
    assert await kept(community) == []
    # As when the card is known: each reply an answer, its text cleaned the same way.
    assert [a.text for a in await answers(community)] == [clean_reply(t) for t in nasty]


async def test_a_database_gone_mid_pass_fails_the_pass_once_and_keeps_everything(
    community, monkeypatch, caplog
):
    """The database stops answering while kept events are handled: the pass stops at the
    second failure (the tick logs it as one line), one traceback is logged, not one per
    event, and every event is still kept for the next pass."""
    from storage.repositories.early_events import EarlyEvents

    card = await card_whose_answer_is_lost(community)
    for member in ("bob", "carol", "dave"):
        await reply_now(community, member, card, f"{member}'s answer")
    community.chat.lost_answers.clear()

    async def database_away(*args, **kwargs):
        raise ConnectionError("the database is away")

    monkeypatch.setattr(EarlyEvents, "drop", database_away)
    community.clock.set(START + timedelta(minutes=5))
    await community.entraide.entraide.deliveries.deliver_due()  # the card recorded: a pass
    with pytest.raises(ConnectionError):
        await community.entraide.entraide.run_due(START + timedelta(minutes=5))  # and a tick
    assert caplog.text.count("Traceback") == 2  # one a pass, not one an event
    monkeypatch.undo()
    assert len(await kept(community)) == 3
    assert await answers(community) == []  # nothing half done
    await community.entraide.run_due(START + timedelta(minutes=6))
    assert len(await answers(community)) == 3

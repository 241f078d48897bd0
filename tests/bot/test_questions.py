"""Peer help: asking, answers, helpful and accepted marks, me too, close and reopen."""

from __future__ import annotations

from bot.domain import QuestionStatus
from bot.questions.answers import ACCEPT
from bot.questions.asking import POST_DRAFT, WITHDRAW_DRAFT
from bot.questions.card import CLOSE, REOPEN
from bot.replies import Style


async def question(community, number: int = 1):
    async with community.store.transaction() as tx:
        return await tx.questions.get(community.id, number)


async def answers(community, number: int = 1):
    async with community.store.transaction() as tx:
        return await tx.questions.answers(community.id, number)


async def test_ask_posts_the_question_in_the_help_channel_and_tells_the_asker(community):
    reply = await community.command(
        "alice", "ask", "How do I keep learners engaged? #engagement #remote"
    )
    card = community.chat.posts_in("help")[0]
    assert "How do I keep learners engaged?" in card.text
    assert "#engagement #remote" in card.text
    assert reply.private and "Q1" in reply.plain_text()
    q = await question(community)
    assert q.status is QuestionStatus.OPEN and q.tags == ("engagement", "remote")


async def test_ask_uses_the_current_channel_when_no_help_channel_is_set(db):
    from tests.conftest import make_community

    community = make_community(db)
    await community.command("olga", "entraide", "config help-channel none", organiser=True)
    await community.command("alice", "ask", "Where do I start?", channel="random")
    assert community.chat.posts_in("random")


async def test_ask_with_details_after_a_bar(community):
    await community.command("alice", "ask", "Best icebreaker? | For a group of 30 #icebreaker")
    q = await question(community)
    assert (q.title, q.details, q.tags) == (
        "Best icebreaker?",
        "For a group of 30",
        ("icebreaker",),
    )


async def test_thread_replies_are_answers_and_the_first_one_marks_it_answered(community):
    card = await community.ask("alice", "How do I keep learners engaged?")
    await community.reply("bob", card, "Short polls every 20 minutes")
    await community.reply("carol", card, "Breakout rooms")
    assert [a.text for a in await answers(community)] == [
        "Short polls every 20 minutes",
        "Breakout rooms",
    ]
    assert (await question(community)).status is QuestionStatus.ANSWERED
    assert "answered" in community.chat.last_edit(card).plain_text()


async def test_the_askers_own_replies_are_not_answers(community):
    card = await community.ask("alice", "How do I keep learners engaged?")
    await community.reply("alice", card, "To be precise: online sessions")
    assert await answers(community) == []
    assert (await question(community)).status is QuestionStatus.OPEN


async def test_others_reactions_count_helpful_and_removing_undoes_it(community):
    card = await community.ask("alice", "How do I keep learners engaged?")
    answer = await community.reply("bob", card, "Short polls")
    await community.react("carol", answer, "white_check_mark")
    await community.react("dave", answer, "✅")
    assert (await answers(community))[0].helpful_count == 2
    assert (await question(community)).status is QuestionStatus.ANSWERED
    await community.react("carol", answer, "white_check_mark", added=False)
    assert (await answers(community))[0].helpful_count == 1


async def test_the_askers_reaction_accepts_and_resolves_and_removing_it_undoes_exactly_that(
    community,
):
    card = await community.ask("alice", "How do I keep learners engaged?")
    answer = await community.reply("bob", card, "Short polls")
    await community.react("carol", answer, "white_check_mark")
    await community.react("alice", answer, "white_check_mark")
    q = await question(community)
    assert q.status is QuestionStatus.RESOLVED and q.accepted_answer_id == 1
    assert (answer, "white_check_mark") in community.chat.reactions
    assert any(p.thread_id == card and "accepted" in p.text for p in community.chat.posts)
    await community.react("alice", answer, "white_check_mark", added=False)
    q = await question(community)
    assert q.status is QuestionStatus.ANSWERED and q.accepted_answer_id is None
    assert (await answers(community))[0].helpful_count == 1  # carol's mark stays


async def test_an_organisers_reaction_accepts(community):
    card = await community.ask("alice", "Question?")
    answer = await community.reply("bob", card, "Answer")
    await community.react("olga", answer, "white_check_mark")  # configured organiser
    assert (await question(community)).status is QuestionStatus.RESOLVED


async def test_accepting_another_answer_moves_the_acceptance(community):
    card = await community.ask("alice", "Question?")
    first = await community.reply("bob", card, "First")
    second = await community.reply("carol", card, "Second")
    await community.react("alice", first, "white_check_mark")
    await community.react("alice", second, "white_check_mark")
    assert (await question(community)).accepted_answer_id == 2
    async with community.store.transaction() as tx:
        credits = await tx.reports.credits(community.id)
    assert credits["carol"]["accepted"] == 1 and credits.get("bob", {}).get("accepted", 0) == 0


async def test_self_reactions_and_bot_reactions_count_for_nothing(community):
    from bot.commands import Actor, ReactionAdded

    card = await community.ask("alice", "Question?")
    answer = await community.reply("bob", card, "Answer")
    await community.react("bob", answer, "white_check_mark")
    bot = Actor(community.id, "entraide-bot", "Entraide", is_bot=True)
    await community.entraide.handle(ReactionAdded(bot, "help", answer, "white_check_mark", "bob"))
    assert (await answers(community))[0].helpful_count == 0
    assert (await question(community)).status is QuestionStatus.ANSWERED


async def test_skin_tone_variants_count_as_the_emoji(db):
    from tests.conftest import make_community

    community = make_community(db, helpful_emoji="+1")
    card = await community.ask("alice", "Question?")
    answer = await community.reply("bob", card, "Answer")
    await community.react("carol", answer, "+1::skin-tone-4")
    await community.react("dave", answer, "👍🏾")
    assert (await answers(community))[0].helpful_count == 2
    await community.react("dave", answer, "👍🏾", added=False)
    assert (await answers(community))[0].helpful_count == 1


async def test_me_too_is_counted_on_the_question_but_not_the_askers_own(community):
    card = await community.ask("alice", "Question?")
    await community.react("bob", card, "eyes")
    await community.react("carol", card, "👀")
    await community.react("alice", card, "eyes")
    assert "2 other member(s)" in community.chat.last_edit(card).plain_text()
    await community.react("carol", card, "eyes", added=False)
    assert "1 other member(s)" in community.chat.last_edit(card).plain_text()


async def test_close_and_reopen_by_the_asker_or_an_organiser_only(community):
    card = await community.ask("alice", "Question?")
    refused = await community.press("bob", CLOSE, "1")
    assert refused.private and "Only the person who asked" in refused.plain_text()
    reasons = await community.press("alice", CLOSE, "1")  # Close asks why first
    assert (await question(community)).status is QuestionStatus.OPEN
    await community.press("alice", reasons.buttons[0].action, reasons.buttons[0].value)
    assert (await question(community)).status is QuestionStatus.CLOSED
    assert community.chat.last_edit(card).buttons[0].action == REOPEN
    await community.press("olga", REOPEN, "1")
    assert (await question(community)).status is QuestionStatus.OPEN


async def test_reopening_a_resolved_question_clears_its_accepted_answer(community):
    card = await community.ask("alice", "Question?")
    answer = await community.reply("bob", card, "Answer")
    await community.react("alice", answer, "white_check_mark")
    await community.press("alice", REOPEN, "1")
    q = await question(community)
    assert q.status is QuestionStatus.ANSWERED and q.accepted_answer_id is None


async def test_anonymous_question_hides_the_asker_and_offers_a_private_accept(community):
    card = await community.ask("alice", "--anonymous Is it normal to feel lost?")
    posted = community.chat.posts_in("help")[0].message
    assert "alice" not in posted.plain_text().lower()
    assert not any(span.style is Style.MENTION for line in posted.lines for span in line)
    await community.reply("bob", card, "Yes, everyone does at first")
    member, offer = community.chat.private[-1]
    assert member == "alice" and offer.buttons[0].action == ACCEPT
    refused = await community.press("carol", ACCEPT, offer.buttons[0].value)
    assert "Only the person who asked" in refused.plain_text()
    await community.press("alice", ACCEPT, offer.buttons[0].value)
    assert (await question(community)).status is QuestionStatus.RESOLVED


async def test_similar_resolved_questions_are_suggested_before_posting(community):
    card = await community.ask(
        "alice", "How do I keep remote learners engaged during long sessions?"
    )
    answer = await community.reply("bob", card, "Short polls every 20 minutes")
    await community.react("alice", answer, "white_check_mark")
    posts_before = len(community.chat.posts)

    reply = await community.command(
        "carol", "ask", "Keeping remote learners engaged in long sessions?"
    )
    assert len(community.chat.posts) == posts_before  # nothing posted yet
    assert "How do I keep remote learners engaged" in reply.plain_text()
    assert "Short polls every 20 minutes" in reply.plain_text()
    assert [b.action for b in reply.buttons] == [POST_DRAFT, WITHDRAW_DRAFT]

    await community.press("carol", POST_DRAFT, reply.buttons[0].value)
    assert len(community.chat.posts) == posts_before + 1
    again = await community.press("carol", POST_DRAFT, reply.buttons[0].value)
    assert "already" in again.plain_text()


async def test_withdrawing_a_draft_posts_nothing(community):
    card = await community.ask(
        "alice", "How do I keep remote learners engaged during long sessions?"
    )
    await community.react("alice", await community.reply("bob", card, "Polls"), "white_check_mark")
    reply = await community.command("carol", "ask", "Remote learners engaged long sessions?")
    posts = len(community.chat.posts)
    await community.press("carol", WITHDRAW_DRAFT, reply.buttons[1].value)
    assert len(community.chat.posts) == posts
    assert (await question(community, 2)).status is QuestionStatus.WITHDRAWN


async def test_an_unrelated_question_gets_no_suggestion(community):
    card = await community.ask(
        "alice", "How do I keep remote learners engaged during long sessions?"
    )
    await community.react("alice", await community.reply("bob", card, "Polls"), "white_check_mark")
    await community.ask("carol", "Which projector works with a Mac?")


async def test_an_event_delivered_twice_has_one_effect(community):
    from bot.commands import MessagePosted, SlashCommand

    ask = SlashCommand(community.actor("alice"), "general", "ask", "Question?", event_key="Ev1")
    await community.entraide.handle(ask)
    assert await community.entraide.handle(ask) is None
    assert len(community.chat.posts) == 1
    card = community.chat.posts[0].message_id
    reply = MessagePosted(
        community.actor("bob"), "help", "m99", "Answer", thread_id=card, event_key="Ev2"
    )
    await community.entraide.handle(reply)
    await community.entraide.handle(reply)
    assert len(await answers(community)) == 1


async def test_a_question_the_platform_refuses_is_kept_and_the_asker_told(community):
    community.chat.failing_channels.add("help")
    await community.command("alice", "ask", "Question?")
    [(member, notice)] = community.chat.private
    assert member == "alice" and notice.private
    assert (
        "Q1 is saved, but it could not be posted" in notice.plain_text()
        and "the channel does not exist" in notice.plain_text()
    )
    q = await question(community)
    assert q is not None and q.title == "Question?" and q.message_id is None


async def test_a_modal_submission_asks_with_its_fields(community):
    from bot.commands import Ask

    reply = await community.entraide.handle(
        Ask(
            community.actor("alice"),
            "general",
            "Icebreakers?",
            "For 30 people, online",
            ("online", "#Groups"),
            True,
        )
    )
    q = await question(community)
    assert (q.title, q.details, q.tags, q.anonymous) == (
        "Icebreakers?",
        "For 30 people, online",
        ("online", "groups"),
        True,
    )
    assert "anonymously" in reply.plain_text()


async def test_the_messages_whose_reactions_count_are_listed_for_open_questions(community):
    open_card = await community.ask("alice", "Still open?")
    answer = await community.reply("bob", open_card, "An answer")
    resolved_card = await community.ask("carol", "Resolved one?")
    await community.react(
        "carol", await community.reply("dave", resolved_card, "Yes"), "white_check_mark"
    )
    from bot.service import ReactionTarget

    targets = await community.entraide.reactions_to_reconcile(community.id)
    assert targets == [
        ReactionTarget("help", open_card, "eyes"),
        ReactionTarget("help", answer, "white_check_mark", thread_id=open_card),
    ]


async def test_reactions_cleared_by_a_moderator_take_their_marks_with_them(community):
    from bot.commands import ReactionsCleared

    card = await community.ask("alice", "Question?")
    answer = await community.reply("bob", card, "Answer")
    await community.react("carol", answer, "white_check_mark")
    await community.react("alice", answer, "white_check_mark")
    await community.react("dave", card, "eyes")
    await community.entraide.handle(ReactionsCleared(community.id, "help", answer, "eyes"))
    assert (await question(community)).status is QuestionStatus.RESOLVED  # not the helpful emoji
    await community.entraide.handle(ReactionsCleared(community.id, "help", answer))
    assert (await question(community)).status is QuestionStatus.ANSWERED
    assert (await answers(community))[0].helpful_count == 0
    await community.entraide.handle(ReactionsCleared(community.id, "help", card, "👀"))
    assert "other member(s)" not in community.chat.last_edit(card).plain_text()


async def test_marks_stay_right_once_the_answers_authors_are_known_even_after_forget_me(community):
    from bot.privacy import CONFIRM

    card = await community.ask("alice", "Question?")
    answer = await community.reply("bob", card, "Answer")
    await community.react("carol", answer, "white_check_mark")  # the answer's authors are now known
    await community.react("bob", answer, "white_check_mark")  # still their own answer
    await community.react("dave", answer, "white_check_mark")
    assert (await answers(community))[0].helpful_count == 2
    await community.press("alice", CONFIRM, "alice")  # the asker is forgotten
    await community.react("alice", answer, "white_check_mark")
    assert (await question(community)).status is QuestionStatus.ANSWERED  # no longer the asker's
    assert (await answers(community))[0].helpful_count == 3

"""Answers: thread replies recorded, marked helpful, accepted (by reaction or button), undone."""

from __future__ import annotations

from dataclasses import replace

from bot import delivery
from bot.commands import Actor
from bot.context import Context
from bot.core import Core
from bot.domain import Answer, CommunitySettings, MarkKind, Question, QuestionStatus
from bot.emoji import canonical
from bot.errors import UserError
from bot.i18n import spans, t
from bot.ports import Transaction
from bot.questions.card import refresh_card, refresh_duplicates
from bot.replies import Button, ButtonStyle, Message, italic, mention, plain, private
from bot.search import Kind
from bot.text import clean_reply, excerpt, fold

ACCEPT = "answer:accept"


async def record_answer(ctx: Context, question: Question, message_id: str, text: str) -> None:
    """A reply in a question's thread is an answer, unless the asker is talking in their own thread."""
    if (
        question.status in (QuestionStatus.DRAFT, QuestionStatus.WITHDRAWN)
        or ctx.actor.member_id == question.asker_id
    ):
        return
    answer = await ctx.tx.questions.add_answer(
        ctx.community_id, question.id, ctx.actor.member_id, clean_reply(text), message_id, ctx.now
    )
    if answer is None:
        return
    await ctx.tx.routing.answered(ctx.community_id, question.id, ctx.actor.member_id, ctx.now)
    if question.first_answer_at is None:
        status = (
            QuestionStatus.ANSWERED if question.status is QuestionStatus.OPEN else question.status
        )
        question = replace(question, first_answer_at=ctx.now, status=status)
        await ctx.tx.questions.update(question)
        await refresh_card(ctx.core, ctx.tx, question)
    if question.anonymous and question.asker_id:
        await _offer_private_accept(ctx.core, ctx.tx, ctx.settings, question, answer)


async def _offer_private_accept(
    core: Core, tx: Transaction, settings: CommunitySettings, question: Question, answer: Answer
) -> None:
    """Anonymous askers accept by a private button, so that nobody sees who asked."""
    language = await core.member_language(tx, settings, question.asker_id or "")
    message = private(
        spans(language, "answer.new_for_anonymous", number=question.id, title=question.title),
        (italic(excerpt(answer.text)),),
        buttons=(
            Button(t(language, "button.accept"), ACCEPT, str(answer.id), ButtonStyle.PRIMARY),
        ),
    )
    await delivery.private(
        core, tx, question.community_id, question.asker_id or "", f"offer:{answer.id}", message
    )


def answer_mark(
    core: Core, actor: Actor, author_id: str | None, asker_id: str | None
) -> MarkKind | None:
    """What the helpful emoji means from ``actor``: accepted (the asker, an organiser),
    helpful (anyone else), or nothing (their own answer)."""
    if actor.member_id == author_id:
        return None  # reacting to your own answer counts for nothing
    if actor.member_id == asker_id or core.is_organiser(actor):
        return MarkKind.ACCEPTED
    return MarkKind.HELPFUL


async def mark_answer(ctx: Context, answer: Answer, question: Question, added: bool) -> None:
    """The helpful emoji on an answer: the asker or an organiser accepts, anyone else finds it helpful."""
    kind = answer_mark(ctx.core, ctx.actor, answer.author_id, question.asker_id)
    if kind is None:
        return
    changed = await ctx.tx.marks.set(
        ctx.community_id, answer.message_id, ctx.actor.member_id, kind, added, ctx.now
    )
    if kind is not MarkKind.ACCEPTED or not changed:
        return
    if added:
        await accept(ctx.core, ctx.tx, ctx.settings, question, answer)
        return
    still_accepted = await ctx.tx.marks.count(
        ctx.community_id, answer.message_id, MarkKind.ACCEPTED
    )
    if question.accepted_answer_id == answer.id and not still_accepted:
        await unresolve(ctx.core, ctx.tx, question)  # the last acceptor took it back


async def accept_by_button(ctx: Context, answer_id: int) -> Message:
    """The private accept path (anonymous questions): same effect as the asker's reaction."""
    answer = await ctx.tx.questions.answer(ctx.community_id, answer_id)
    return await _accept_answer(ctx, answer)


async def accept_message(ctx: Context, message_id: str) -> Message:
    """A platform's *Accept answer* menu on a message: it must be an answer."""
    answer = await ctx.tx.questions.answer_by_message(ctx.community_id, message_id)
    if answer is None:
        raise UserError("error.not_an_answer")
    return await _accept_answer(ctx, answer)


async def _accept_answer(ctx: Context, answer: Answer | None) -> Message:
    question = await ctx.tx.questions.get(ctx.community_id, answer.question_id) if answer else None
    if answer is None or question is None:
        raise UserError("error.unknown_answer")
    if ctx.actor.member_id != question.asker_id and not ctx.is_organiser:
        raise UserError("error.not_your_question")
    await ctx.tx.marks.add(
        ctx.community_id, answer.message_id, ctx.actor.member_id, MarkKind.ACCEPTED, ctx.now
    )
    question = await accept(ctx.core, ctx.tx, ctx.settings, question, answer)
    return private(spans(ctx.language, "answer.accepted_private", number=question.id))


async def accept(
    core: Core, tx: Transaction, settings: CommunitySettings, question: Question, answer: Answer
) -> Question:
    """The question is resolved by this answer; the answer accepted before, if another, is not."""
    now = core.clock.now()
    if question.accepted_answer_id not in (None, answer.id):
        previous = await tx.questions.answer(question.community_id, question.accepted_answer_id)
        if previous is not None:
            await tx.marks.revoke(
                question.community_id, previous.message_id, MarkKind.ACCEPTED, now
            )
    question = replace(
        question,
        status=QuestionStatus.RESOLVED,
        accepted_answer_id=answer.id,
        resolved_at=question.resolved_at if question.accepted_answer_id == answer.id else now,
        first_answer_at=question.first_answer_at or answer.created_at,
    )
    await tx.questions.update(question)
    await index_question(tx, question, answer)
    await refresh_card(core, tx, question)
    await refresh_duplicates(core, tx, question)
    await _announce_accepted(core, tx, settings, question, answer)
    return question


async def unresolve(
    core: Core, tx: Transaction, question: Question, refresh: bool = True
) -> Question:
    """No accepted answer any more: back to answered (or open), and no longer findable."""
    status = QuestionStatus.ANSWERED if question.first_answer_at else QuestionStatus.OPEN
    question = replace(question, status=status, accepted_answer_id=None, resolved_at=None)
    await tx.questions.update(question)
    await tx.search.unindex(question.community_id, Kind.QUESTION, question.id)
    if refresh:
        await refresh_card(core, tx, question)
    await refresh_duplicates(core, tx, question)
    return question


async def _announce_accepted(
    core: Core, tx: Transaction, settings: CommunitySettings, question: Question, answer: Answer
) -> None:
    """Mark the accepted answer visibly: the bot's own reaction and a note in the thread,
    once per answer (accepting it again after a reopen says nothing new)."""
    if question.message_id is None:
        return
    await delivery.react(
        core,
        tx,
        question.community_id,
        question.channel_id,
        answer.message_id,
        settings.helpful_emoji,
        f"accepted-mark:{answer.id}",
    )
    names = await tx.communities.member_names(question.community_id, [answer.author_id or ""])
    author = (
        mention(answer.author_id, names.get(answer.author_id, ""))
        if answer.author_id
        else plain("?")
    )
    note = Message(lines=(spans(settings.language, "answer.accepted_note", author=author),))
    await delivery.post(
        core,
        tx,
        question.community_id,
        question.channel_id,
        f"accepted-note:{answer.id}",
        message=note,
        thread_id=question.message_id,
    )


async def index_question(tx: Transaction, question: Question, accepted: Answer) -> None:
    """A resolved question is findable with its accepted answer."""
    await tx.search.index(
        question.community_id,
        Kind.QUESTION,
        question.id,
        fold(f"{question.title} {' '.join(question.tags)}"),
        fold(f"{question.details} {accepted.text}"),
    )


async def me_too(ctx: Context, question: Question, added: bool) -> None:
    """Others with the same question: raised in reminders, counted on the card."""
    if ctx.actor.member_id == question.asker_id or question.message_id is None:
        return
    if await ctx.tx.marks.set(
        ctx.community_id, question.message_id, ctx.actor.member_id, MarkKind.ME_TOO, added, ctx.now
    ):
        await refresh_card(ctx.core, ctx.tx, question)


async def marks_cleared(
    core: Core, tx: Transaction, community_id: str, message_id: str, emoji: str | None
) -> None:
    """A moderator cleared a message's reactions (all, or one emoji): the marks they made go.

    On an answer that was accepted, the question is resolved no more; on a question,
    the me-too count is shown again; on a resource's post, its upvotes go (all at once
    only: an upvote may be any emoji).
    """
    settings = await core.settings(tx, community_id)
    answer = await tx.questions.answer_by_message(community_id, message_id)
    if answer is not None and emoji in (None, canonical(settings.helpful_emoji)):
        await tx.marks.clear(community_id, message_id, MarkKind.HELPFUL)
        await tx.marks.clear(community_id, message_id, MarkKind.ACCEPTED)
        question = await tx.questions.get(community_id, answer.question_id)
        if question is not None and question.accepted_answer_id == answer.id:
            await unresolve(core, tx, question)
        return
    question = await tx.questions.by_message(community_id, message_id)
    if question is not None and emoji in (None, canonical(settings.me_too_emoji)):
        await tx.marks.clear(community_id, message_id, MarkKind.ME_TOO)
        await refresh_card(core, tx, question)
    elif emoji is None and await tx.resources.by_post(community_id, message_id) is not None:
        await tx.marks.clear(community_id, message_id, MarkKind.UPVOTE)  # any emoji was an upvote

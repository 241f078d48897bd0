"""Reopening a question (closing, with its reasons, is ``closing``): the asker's or an
organiser's buttons on its card."""

from __future__ import annotations

from dataclasses import replace

from bot.context import Context
from bot.domain import MarkKind, Question, QuestionStatus
from bot.errors import UserError
from bot.i18n import spans
from bot.questions.answers import unresolve
from bot.questions.card import refresh_card
from bot.replies import Message, private


async def reopen(ctx: Context, question_id: int) -> Message:
    """Open again; a resolved question loses its accepted answer."""
    question = await own_question(ctx, question_id)
    if question.status not in (QuestionStatus.CLOSED, QuestionStatus.RESOLVED):
        return private(spans(ctx.language, "question.already_open", number=question.id))
    if question.accepted_answer_id:
        accepted = await ctx.tx.questions.answer(ctx.community_id, question.accepted_answer_id)
        if accepted is not None:
            # The asker's reaction stays on the answer: read back after a restart, it must
            # not resolve the question again.
            await ctx.tx.marks.revoke(
                ctx.community_id, accepted.message_id, MarkKind.ACCEPTED, ctx.now
            )
    question = replace(question, close_reason=None, duplicate_of=None, closed_at=None)
    question = await unresolve(ctx.core, ctx.tx, question, refresh=False)
    await refresh_card(ctx.core, ctx.tx, question)
    return private(spans(ctx.language, "question.reopened", number=question.id))


async def own_question(ctx: Context, question_id: int) -> Question:
    """A posted question the member acting may close or reopen: the asker's, or any for an
    organiser."""
    question = await ctx.tx.questions.get(ctx.community_id, question_id)
    if question is None or question.status in (QuestionStatus.DRAFT, QuestionStatus.WITHDRAWN):
        raise UserError("error.unknown_question")
    if ctx.actor.member_id != question.asker_id and not ctx.is_organiser:
        raise UserError("error.not_your_question")
    return question

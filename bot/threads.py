"""Messages in threads: answers in a question's, practice shares in a prompt's."""

from __future__ import annotations

from bot.commands import MessagePosted
from bot.context import Context
from bot.early import keep_if_early
from bot.practice import record_share
from bot.questions.answers import record_answer
from bot.text import clean_reply


async def message_posted(ctx: Context, posted: MessagePosted) -> None:
    """A member's message: only a reply in the thread of a question or a prompt counts (kept
    until then if that thread's post may not be recorded yet: ``bot.early``)."""
    if posted.thread_id and not await count_reply(ctx, posted):
        await keep_if_early(ctx, posted)


async def count_reply(ctx: Context, posted: MessagePosted) -> bool:
    """Record a reply in its thread; False if the thread is no known question's or prompt's."""
    question = await ctx.tx.questions.by_message(ctx.community_id, posted.thread_id or "")
    if question is not None:
        await record_answer(ctx, question, posted.message_id, posted.text)
        return True
    occurrence = await ctx.tx.practice.occurrence_by_message(
        ctx.community_id, posted.thread_id or ""
    )
    if occurrence is None:
        return False
    if clean_reply(posted.text):
        await record_share(ctx, occurrence[0], posted.message_id, posted.text)
    return True

"""Messages in threads: answers in a question's, practice shares in a prompt's."""

from __future__ import annotations

from bot.commands import MessagePosted
from bot.context import Context
from bot.practice import record_share
from bot.questions.answers import record_answer
from bot.text import clean_reply


async def message_posted(ctx: Context, posted: MessagePosted) -> None:
    """A member's message: only a reply in the thread of a question or a prompt counts."""
    if not posted.thread_id:
        return
    question = await ctx.tx.questions.by_message(ctx.community_id, posted.thread_id)
    if question is not None:
        await record_answer(ctx, question, posted.message_id, posted.text)
        return
    occurrence = await ctx.tx.practice.occurrence_by_message(ctx.community_id, posted.thread_id)
    if occurrence is not None and clean_reply(posted.text):
        await record_share(ctx, occurrence[0], posted.message_id, posted.text)

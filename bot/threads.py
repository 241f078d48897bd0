"""Messages in threads: answers in a question's, practice shares in a prompt's.

A reply can come before the post it answers is recorded: the card is on the platform,
and its id not yet written (recorded with other outcomes, or the platform's answer was
lost and the next attempt will find the post). Such a reply is kept while a post of
its community is in flight, and counted at the next tick once its thread is known
(:func:`count_early_replies`), or forgotten after ``EARLY_REPLY_WAIT``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.commands import MessagePosted
from bot.context import Context
from bot.core import Core
from bot.delivery import OCCURRENCE, QUESTION
from bot.practice import record_share
from bot.questions.answers import record_answer
from bot.text import clean_reply

log = logging.getLogger(__name__)

# A post in flight is recorded within its lease, or retried within minutes: ample.
EARLY_REPLY_WAIT = timedelta(minutes=30)
_WITH_THREADS = (QUESTION, OCCURRENCE)  # the posts whose threads count


async def message_posted(ctx: Context, posted: MessagePosted) -> None:
    """A member's message: only a reply in the thread of a question or a prompt counts."""
    if not posted.thread_id or await _count(ctx, posted):
        return
    if await ctx.tx.deliveries.posting(ctx.community_id, _WITH_THREADS):
        await ctx.tx.early_replies.keep(posted, ctx.now)


async def _count(ctx: Context, posted: MessagePosted) -> bool:
    """Record a reply in its thread; False if the thread is no question's or prompt's (yet)."""
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


async def count_early_replies(core: Core, now: datetime) -> int:
    """Count the replies kept early whose thread is now known, as of when each came; forget
    those kept longer than ``EARLY_REPLY_WAIT``. Return how many were counted."""
    async with core.store.transaction(reading=True) as tx:
        kept = await tx.early_replies.oldest()
    counted = 0
    for reply, received_at in kept:
        community_id = reply.actor.community_id
        try:
            async with core.store.transaction() as tx:
                settings = await core.settings(tx, community_id)
                ctx = Context(core, tx, reply.actor, reply.channel_id, settings, received_at)
                if await _count(ctx, reply):
                    counted += 1
                elif now - received_at <= EARLY_REPLY_WAIT:
                    continue
                await tx.early_replies.drop(community_id, reply.message_id)
        except Exception:
            # One reply that fails (a bug) is logged, and the others still count.
            log.exception("early reply %s in %s not counted", reply.message_id, community_id)
            if now - received_at > EARLY_REPLY_WAIT:  # tried long enough
                async with core.store.transaction() as tx:
                    await tx.early_replies.drop(community_id, reply.message_id)
    return counted

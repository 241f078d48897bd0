"""Replies and reactions that come before the bot knows the message they are about.

A post is on the platform before its id is recorded: a moment later, recorded with other
outcomes, or, when the platform's answer was lost, once a later attempt finds it. Members
can reply in its thread, react to it, or react to such a reply, meanwhile. Such an event
is kept while a post of its community may be in flight (:func:`keep_if_early`), then
handled, as of when it came, once what it is about is known (:func:`handle_early`: at
each tick, and when a post is recorded by the instance that kept it). It is forgotten
once the posts in flight when it came are all recorded (it was about some other
message), or after ``EARLY_WAIT``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta

from bot.commands import MessagePosted, ReactionAdded, ReactionRemoved
from bot.context import Context
from bot.core import Core
from bot.delivery import OCCURRENCE, QUESTION, RESOURCE

log = logging.getLogger(__name__)

Early = MessagePosted | ReactionAdded | ReactionRemoved

# A post in flight is recorded within its lease, or retried within minutes: ample.
EARLY_WAIT = timedelta(minutes=30)
_POSTS = (QUESTION, OCCURRENCE, RESOURCE)  # the posts replies and reactions count on


def _key(event: Early) -> str:
    """A reply is kept under its message id (a reaction to it finds it); a reaction under its
    platform's key, so that a redelivery is kept once (one read back has none: each is kept,
    its mark counted once all the same)."""
    if isinstance(event, MessagePosted):
        return event.message_id
    return f"reaction:{event.event_key or uuid.uuid4().hex}"


async def keep_if_early(ctx: Context, event: Early) -> None:
    """``event`` is about a message the bot does not know: keep it if that may be a post in
    flight, or (a reaction) a reply kept early."""
    in_flight = await ctx.tx.deliveries.posting(ctx.community_id, _POSTS)
    if in_flight is not None or await _on_a_reply_kept(ctx, event):
        key = _key(event)[:200]
        await ctx.tx.early_events.keep(key, replace(event, event_key=None), in_flight, ctx.now)

        async def kept() -> None:
            ctx.core.early_kept()

        ctx.tx.after_commit(kept)


async def _on_a_reply_kept(ctx: Context, event: Early) -> bool:
    return not isinstance(event, MessagePosted) and await ctx.tx.early_events.has(
        ctx.community_id, event.message_id
    )


async def _may_still_come(ctx: Context, event: Early, in_flight: int | None) -> bool:
    """Whether what ``event`` is about may still be recorded: one of the posts in flight when
    it came still is, or (a reaction) the reply it is on is still kept. Otherwise it was about
    a message of no post of ours."""
    if in_flight is not None:
        if await ctx.tx.deliveries.posting(ctx.community_id, _POSTS, up_to=in_flight):
            return True
    return await _on_a_reply_kept(ctx, event)


class _HandledElsewhere(Exception):
    """Another pass (another instance's tick) handled the event first: ours rolls back."""


async def handle_early(
    core: Core, now: datetime, handle: Callable[[Context, Early], Awaitable[bool]]
) -> int:
    """Hand each event kept early to ``handle``, in the order they came, as of when each came;
    ``handle`` says whether what the event is about is known now. Those handled are forgotten,
    and so are those whose message can no longer be recorded, or kept longer than
    ``EARLY_WAIT``. Each is handled once, whatever passes run at once. Return how many are
    still kept, of those read."""
    async with core.store.transaction(reading=True) as tx:
        kept = await tx.early_events.oldest()
    # Replies first: a reaction kept early may be on one of them.
    kept.sort(key=lambda k: not isinstance(k[1], MessagePosted))
    left = 0
    failed: Exception | None = None
    for key, event, in_flight, came in kept:
        community_id = event.actor.community_id
        try:
            async with core.store.transaction() as tx:
                settings = await core.settings(tx, community_id)
                ctx = Context(core, tx, event.actor, event.channel_id, settings, came)
                if not await handle(ctx, event) and (
                    now - came <= EARLY_WAIT and await _may_still_come(ctx, event, in_flight)
                ):
                    left += 1
                    continue
                # Dropped with its effect: a pass that finds it gone already undoes its own.
                if not await tx.early_events.drop(community_id, key):
                    raise _HandledElsewhere
        except _HandledElsewhere:
            continue
        except Exception as error:
            if failed is not None and type(error) is type(failed):
                raise  # twice the same: the database is away, and the tick says so once
            failed = error
            # One event that fails (a bug) is logged, and the others are still handled.
            log.exception("early event %s in %s not handled", key, community_id)
            left += 1
            if now - came > EARLY_WAIT:  # tried long enough
                async with core.store.transaction() as tx:
                    await tx.early_events.drop(community_id, key)
    return left

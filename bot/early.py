"""Replies and reactions that come before the bot knows the message they are about.

A post is on the platform before its id is recorded: a moment later, recorded with other
outcomes, or, when the platform's answer was lost, once a later attempt finds it. Members
can reply in its thread, react to it, or react to such a reply, meanwhile. Such an event
is kept while a post of its community may be in flight (:func:`keep_if_early`), then
handled at the next tick, as of when it came, once what it is about is known
(:func:`handle_early`); it is forgotten after ``EARLY_WAIT``.
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
    tx = ctx.tx
    if await tx.deliveries.posting(ctx.community_id, _POSTS) or (
        not isinstance(event, MessagePosted)
        and await tx.early_events.has(ctx.community_id, event.message_id)
    ):
        await tx.early_events.keep(_key(event)[:200], replace(event, event_key=None), ctx.now)


async def handle_early(
    core: Core, now: datetime, handle: Callable[[Context, Early], Awaitable[bool]]
) -> int:
    """Hand each event kept early to ``handle``, in the order they came, as of when each came;
    ``handle`` says whether what the event is about is known now. Those handled, and those
    kept longer than ``EARLY_WAIT``, are forgotten. Return how many were handled."""
    async with core.store.transaction(reading=True) as tx:
        kept = await tx.early_events.oldest()
    # Replies first: a reaction kept early may be on one of them.
    kept.sort(key=lambda k: not isinstance(k[1], MessagePosted))
    handled = 0
    for key, event, came in kept:
        community_id = event.actor.community_id
        try:
            async with core.store.transaction() as tx:
                settings = await core.settings(tx, community_id)
                ctx = Context(core, tx, event.actor, event.channel_id, settings, came)
                if await handle(ctx, event):
                    handled += 1
                elif now - came <= EARLY_WAIT:
                    continue
                await tx.early_events.drop(community_id, key)
        except Exception:
            # One event that fails (a bug) is logged, and the others are still handled.
            log.exception("early event %s in %s not handled", key, community_id)
            if now - came > EARLY_WAIT:  # tried long enough
                async with core.store.transaction() as tx:
                    await tx.early_events.drop(community_id, key)
    return handled

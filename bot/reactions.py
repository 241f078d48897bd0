"""Reactions: the helpful emoji on answers, me too on questions, upvotes on resources' posts,
the bookmark anywhere; and a moderator's clear. Reactions come in storms: each is one unit
of work with its event's claim, and the commonest needs one statement."""

from __future__ import annotations

from collections import OrderedDict

from bot import resources
from bot.commands import ReactionAdded, ReactionRemoved, ReactionsCleared
from bot.context import Context
from bot.core import Core
from bot.domain import CommunitySettings, MarkKind
from bot.early import keep_if_early
from bot.emoji import canonical
from bot.ports import FetchedMessage, Transaction
from bot.questions.answers import answer_mark, mark_answer, marks_cleared, me_too
from bot.replies import Message

AUTHORS_REMEMBERED = 10_000


def is_bookmark(reaction: ReactionAdded | ReactionRemoved, settings: CommunitySettings) -> bool:
    return canonical(reaction.emoji) == canonical(settings.bookmark_emoji)


class Reactions:
    """Handles reactions; remembers who wrote each answer seen and who asked its question."""

    def __init__(self) -> None:
        # (community, answer's message) → (its author, its question's asker): neither ever changes.
        self._authors: OrderedDict[tuple[str, str], tuple[str | None, str | None]] = OrderedDict()

    async def react(
        self,
        ctx: Context,
        reaction: ReactionAdded | ReactionRemoved,
        fetched: FetchedMessage | None,
    ) -> Message | None:
        """``fetched`` is the message a bookmark reaction is on, read before the unit of work."""
        added = isinstance(reaction, ReactionAdded)
        key, emoji = (ctx.community_id, reaction.message_id), canonical(reaction.emoji)
        helpful = emoji == canonical(ctx.settings.helpful_emoji)
        if helpful and key in self._authors:
            # A plain helpful mark on an answer seen before needs no lookup; accepting reads
            # the question afresh.
            kind = answer_mark(ctx.core, ctx.actor, *self._authors[key])
            if kind is not MarkKind.ACCEPTED:
                if kind is not None:
                    await ctx.tx.marks.set(*key, ctx.actor.member_id, kind, added, ctx.now)
                return None
        tx = ctx.tx
        answered = await tx.questions.answer_and_question(ctx.community_id, reaction.message_id)
        if answered is not None:
            self._remember(key, answered[0].author_id, answered[1].asker_id)
            if helpful:
                return await mark_answer(ctx, *answered, added)
        question = None if answered else await tx.questions.by_message(*key)
        if question is not None and emoji == canonical(ctx.settings.me_too_emoji):
            return await me_too(ctx, question, added)
        bookmark = is_bookmark(reaction, ctx.settings)
        resource = None if answered or question else await tx.resources.by_post(*key)
        if resource is not None and not bookmark:
            return await resources.upvote(ctx, resource, added)
        if added and bookmark:
            return await resources.bookmark(ctx, fetched)
        if not (answered or question or resource or bookmark):
            await keep_if_early(ctx, reaction)  # on a post, or a reply, not recorded yet?
        return None

    def _remember(self, key: tuple[str, str], author_id: str | None, asker_id: str | None) -> None:
        self._authors[key] = (author_id, asker_id)
        self._authors.move_to_end(key)
        if len(self._authors) > AUTHORS_REMEMBERED:
            self._authors.popitem(last=False)


async def counts_on(tx: Transaction, community_id: str, message_id: str) -> bool:
    """Whether reactions on this message count: an answer, a question's card, a resource's
    post."""
    return (
        await tx.questions.answer_and_question(community_id, message_id) is not None
        or await tx.questions.by_message(community_id, message_id) is not None
        or await tx.resources.by_post(community_id, message_id) is not None
    )


async def reactions_cleared(core: Core, tx: Transaction, cleared: ReactionsCleared) -> None:
    """A moderator removed a message's reactions: the marks they made go with them."""
    emoji = canonical(cleared.emoji) if cleared.emoji else None
    await marks_cleared(core, tx, cleared.community_id, cleared.message_id, emoji)

"""``/entraide forget-me``: a member's data erased, after they confirm."""

from __future__ import annotations

from bot import delivery
from bot.context import Context
from bot.delivery import QUESTION, RESOURCE
from bot.errors import UserError
from bot.i18n import spans, t
from bot.questions.answers import index_question
from bot.questions.card import refresh_duplicates
from bot.replies import Button, ButtonStyle, Message, private
from bot.resources import index_resource
from bot.search import Kind

CONFIRM = "privacy:forget"


async def ask_confirmation(ctx: Context) -> Message:
    return private(
        spans(ctx.language, "forget.confirm"),
        buttons=(
            Button(
                t(ctx.language, "button.forget"), CONFIRM, ctx.actor.member_id, ButtonStyle.DANGER
            ),
        ),
    )


async def forget(ctx: Context, member_id: str) -> Message:
    """Questions become anonymous, answers' and shares' text and notes go, credits drop.

    ``member_id`` is the confirmation button's: only that member may press it.
    """
    if member_id != ctx.actor.member_id:
        raise UserError("error.not_yours")
    tx, community_id = ctx.tx, ctx.community_id
    erased = await tx.privacy.forget_member(
        community_id, ctx.actor.member_id, t(ctx.settings.language, "forget.placeholder")
    )
    await tx.web.forget_profile(community_id, ctx.actor.member_id)  # no public name any more
    # Erased words must not stay findable.
    for share_id in erased.share_ids:
        await tx.search.unindex(community_id, Kind.SHARE, share_id)
    resolved = await tx.questions.by_ids(community_id, erased.resolved_question_ids)
    for question in resolved.values():
        accepted = await tx.questions.answer(community_id, question.accepted_answer_id)
        await index_question(tx, question, accepted)
        await refresh_duplicates(ctx.core, tx, question)  # their cards quote the answer
    # Posted cards that named the member, or counted their "me too", show them no more.
    await delivery.refresh_posts(ctx.core, tx, community_id, QUESTION, erased.shown_question_ids)
    await delivery.refresh_posts(ctx.core, tx, community_id, RESOURCE, erased.shared_resource_ids)
    for resource in (await tx.resources.by_ids(community_id, erased.resource_ids)).values():
        await index_resource(tx, resource)
    return private(spans(ctx.language, "forget.done", **erased.counts))

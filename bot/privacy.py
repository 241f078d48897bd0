"""``/entraide forget-me``: a member's data erased, after they confirm."""

from __future__ import annotations

from bot.commands import Actor
from bot.core import Core
from bot.help import index_question
from bot.i18n import spans, t
from bot.replies import Button, ButtonStyle, Message, private
from bot.resources import index_resource
from bot.search import Kind

CONFIRM = "privacy:forget"


async def ask_confirmation(core: Core, actor: Actor) -> Message:
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
    language = core.private_language(settings, actor)
    return private(
        spans(language, "forget.confirm"),
        buttons=(
            Button(t(language, "button.forget"), CONFIRM, actor.member_id, ButtonStyle.DANGER),
        ),
    )


async def forget(core: Core, actor: Actor) -> Message:
    """Questions become anonymous, answers' and shares' text and notes go, credits drop."""
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        erased = await tx.forget_member(
            actor.community_id, actor.member_id, t(settings.language, "forget.placeholder")
        )
        await tx.web.forget_profile(actor.community_id, actor.member_id)
        # Erased words must not stay findable.
        for share_id in erased.share_ids:
            await tx.unindex(actor.community_id, Kind.SHARE, share_id)
        for question in (
            await tx.questions_by_ids(actor.community_id, erased.resolved_question_ids)
        ).values():
            await index_question(
                tx, question, await tx.answer(actor.community_id, question.accepted_answer_id)
            )
        for resource in (
            await tx.resources_by_ids(actor.community_id, erased.resource_ids)
        ).values():
            await index_resource(tx, resource)
    language = core.private_language(settings, actor)
    return private(spans(language, "forget.done", **erased.counts))

"""Asking: a question stored, similar resolved ones shown first, or its card queued."""

from __future__ import annotations

from dataclasses import replace

from bot.context import Context
from bot.core import Core
from bot.domain import Answer, Question, QuestionStatus
from bot.errors import UserError
from bot.i18n import spans, t
from bot.ports import Transaction
from bot.questions.card import queue_card
from bot.replies import Button, ButtonStyle, Line, Message, bold, channel, italic, plain, private
from bot.search import Kind, similarity_query, words
from bot.text import DETAILS_MAX, TITLE_MAX, clean, clean_tags, excerpt

SUGGESTIONS = 3
POST_DRAFT, WITHDRAW_DRAFT = "question:post", "question:withdraw"


async def ask(
    ctx: Context,
    question: str,
    details: str = "",
    tags: str | tuple[str, ...] = (),
    anonymous: bool = False,
    similar: list[tuple[Question, Answer | None]] | None = None,
) -> Message:
    """``/ask`` (and its form): store the question, then show similar resolved ones (read
    first: ``similar_first``) or queue its card in the help channel (the current channel
    when none is set)."""
    title, details, tags = _cleaned(question, details, tags)
    if similar is None:
        similar = await _similar_resolved(ctx.tx, ctx.community_id, title, details, tags)
    asked = await ctx.tx.questions.add(
        ctx.community_id,
        ctx.settings.help_channel or ctx.channel_id,
        ctx.actor.member_id,
        bool(anonymous),
        title,
        details,
        tags,
        QuestionStatus.DRAFT if similar else QuestionStatus.OPEN,
        ctx.now,
    )
    if similar:
        return _suggestions(ctx.language, asked, similar)
    await queue_card(ctx, asked)
    return _on_its_way(ctx.language, asked)


async def similar_first(
    core: Core,
    community_id: str,
    options: dict,
) -> dict[str, object]:
    """The resolved questions like the one asked, read before ``ask``'s unit of work: the
    search and its hits hold no writer's turn. Nothing when the question is refused
    (``ask`` says why)."""
    try:
        title, details, tags = _cleaned(
            str(options.get("question") or ""),
            str(options.get("details") or ""),
            options.get("tags") or (),
        )
    except UserError:
        return {}
    async with core.store.transaction(reading=True) as tx:
        return {"similar": await _similar_resolved(tx, community_id, title, details, tags)}


def _cleaned(
    question: str, details: str, tags: str | tuple[str, ...]
) -> tuple[str, str, tuple[str, ...]]:
    return (
        clean(question, field="question", limit=TITLE_MAX),
        clean(details, field="details", limit=DETAILS_MAX, required=False),
        clean_tags((tags,) if isinstance(tags, str) else tags),
    )


async def post_draft(ctx: Context, question_id: int) -> Message:
    """The asker read the suggestions and still wants to ask."""
    draft = await _own_draft(ctx, question_id)
    draft = replace(draft, status=QuestionStatus.OPEN)
    await ctx.tx.questions.update(draft)
    await queue_card(ctx, draft)
    return _on_its_way(ctx.language, draft)


async def withdraw_draft(ctx: Context, question_id: int) -> Message:
    """A suggestion answered the asker: the draft is dropped, nothing is posted."""
    draft = await _own_draft(ctx, question_id)
    await ctx.tx.questions.update(replace(draft, status=QuestionStatus.WITHDRAWN))
    return private(spans(ctx.language, "ask.withdrawn"))


async def _own_draft(ctx: Context, question_id: int) -> Question:
    draft = await ctx.tx.questions.get(ctx.community_id, question_id)
    if draft is None or draft.asker_id != ctx.actor.member_id:
        raise UserError("error.not_your_question")
    if draft.status is not QuestionStatus.DRAFT:
        raise UserError("error.already_posted")
    return draft


def _on_its_way(language: str, question: Question) -> Message:
    key = "ask.posted_anonymously" if question.anonymous else "ask.posted"
    return private(spans(language, key, number=question.id, channel=channel(question.channel_id)))


async def _similar_resolved(
    tx: Transaction, community_id: str, title: str, details: str, tags: tuple[str, ...]
) -> list[tuple[Question, Answer | None]]:
    """Up to three resolved questions sharing enough significant words with the question."""
    query = similarity_query(f"{title} {details} {' '.join(tags)}")
    if query.empty:
        return []
    hits = await tx.search.find(community_id, query, [Kind.QUESTION], limit=10)
    found = await tx.questions.with_accepted(community_id, [h.ref_id for h in hits])
    wanted = {g[0] for g in query.groups}
    # A single shared word is a coincidence; ask for a third of the question's words.
    needed = max(1, min(3, -(-len(wanted) // 3)))
    similar = []
    for hit in hits:
        question, accepted = found.get(hit.ref_id, (None, None))
        if question is None or question.status is not QuestionStatus.RESOLVED:
            continue
        shared = wanted & set(
            words(f"{question.title} {question.details} {' '.join(question.tags)}")
        )
        if len(shared) >= needed:
            similar.append((question, accepted))
        if len(similar) == SUGGESTIONS:
            break
    return similar


def _suggestions(
    language: str, draft: Question, similar: list[tuple[Question, Answer | None]]
) -> Message:
    lines: list[Line] = [spans(language, "ask.similar_intro")]
    for question, accepted in similar:
        lines.append((bold(f"Q{question.id}"), plain(" " + question.title)))
        if accepted is not None:
            lines.append((plain("   ↳ "), italic(excerpt(accepted.text))))
    lines.append(spans(language, "ask.similar_choice"))
    buttons = (
        Button(t(language, "button.post_question"), POST_DRAFT, str(draft.id), ButtonStyle.PRIMARY),
        Button(t(language, "button.withdraw_question"), WITHDRAW_DRAFT, str(draft.id)),
    )
    return private(*lines, buttons=buttons)

"""Closing a question, and why: solved elsewhere, a duplicate of another question (picked
among similar ones; its card then links to the original and shows its accepted answer),
or no longer needed. *Close* on the card answers privately with the reasons as buttons."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.context import Context
from bot.domain import CloseReason, Question, QuestionStatus
from bot.errors import UserError
from bot.i18n import spans, t
from bot.questions.card import refresh_card
from bot.questions.lifecycle import own_question
from bot.replies import Button, ButtonStyle, Line, Message, private
from bot.search import STOPWORDS, Kind, similarity_query, words
from bot.text import excerpt

SOLVED_ELSEWHERE, DUPLICATE, NOT_NEEDED = (
    "question:close-solved",
    "question:close-duplicate",
    "question:close-unneeded",
)
DUPLICATE_OF = "question:duplicate-of"  # value: "<question>:<original>"
CANDIDATES = 5
_OPEN_LOOKED_AT = 200  # recent open questions compared by their words


def _reasons(language: str, question_id: int, duplicate: bool = True) -> tuple[Button, ...]:
    value = str(question_id)
    buttons = [Button(t(language, "button.close_solved"), SOLVED_ELSEWHERE, value)]
    if duplicate:
        buttons.append(Button(t(language, "button.close_duplicate"), DUPLICATE, value))
    buttons.append(Button(t(language, "button.close_unneeded"), NOT_NEEDED, value))
    return tuple(buttons)


async def close(ctx: Context, question_id: int) -> Message:
    """*Close*: which reason? (the asker's or an organiser's)."""
    question = await own_question(ctx, question_id)
    if question.status is QuestionStatus.CLOSED:
        return private(spans(ctx.language, "question.already_closed", number=question.id))
    return private(
        spans(ctx.language, "question.close_why", number=question.id),
        buttons=_reasons(ctx.language, question.id),
    )


async def close_solved(ctx: Context, question_id: int) -> Message:
    return await _close(ctx, await own_question(ctx, question_id), CloseReason.SOLVED_ELSEWHERE)


async def close_unneeded(ctx: Context, question_id: int) -> Message:
    return await _close(ctx, await own_question(ctx, question_id), CloseReason.NOT_NEEDED)


async def offer_duplicates(ctx: Context, question_id: int) -> Message:
    """*Duplicate*: up to five similar questions to pick from, resolved ones first."""
    question = await own_question(ctx, question_id)
    if question.status is QuestionStatus.CLOSED:
        return private(spans(ctx.language, "question.already_closed", number=question.id))
    candidates = await similar_questions(ctx, question)
    if not candidates:
        return private(
            spans(ctx.language, "question.no_duplicate", number=question.id),
            buttons=_reasons(ctx.language, question.id, duplicate=False),
        )
    lines: list[Line] = [spans(ctx.language, "question.duplicate_which", number=question.id)]
    buttons = tuple(
        Button(
            excerpt(f"Q{other.id} · {other.title}", 70),
            DUPLICATE_OF,
            f"{question.id}:{other.id}",
            ButtonStyle.PRIMARY if other.status is QuestionStatus.RESOLVED else ButtonStyle.DEFAULT,
        )
        for other in candidates
    )
    return private(*lines, buttons=buttons)


async def close_as_duplicate(ctx: Context, pair: tuple[int, int]) -> Message:
    question = await own_question(ctx, pair[0])
    original = await ctx.tx.questions.get(ctx.community_id, pair[1])
    if original is not None and original.duplicate_of is not None:
        # A duplicate of a duplicate points at the first question asked.
        original = await ctx.tx.questions.get(ctx.community_id, original.duplicate_of)
    if (
        original is None
        or original.id == question.id
        or original.status in (QuestionStatus.DRAFT, QuestionStatus.WITHDRAWN)
    ):
        raise UserError("error.unknown_question")
    return await _close(ctx, question, CloseReason.DUPLICATE, original)


async def _close(
    ctx: Context, question: Question, reason: CloseReason, original: Question | None = None
) -> Message:
    if question.status is QuestionStatus.CLOSED:
        return private(spans(ctx.language, "question.already_closed", number=question.id))
    question = replace(
        question,
        status=QuestionStatus.CLOSED,
        close_reason=reason,
        duplicate_of=original.id if original else None,
        closed_at=ctx.now,
    )
    await ctx.tx.questions.update(question)
    await refresh_card(ctx.core, ctx.tx, question)
    return private(
        spans(
            ctx.language,
            "question.closed",
            number=question.id,
            reason=t(ctx.language, f"close.{reason.value}"),
        )
    )


async def similar_questions(ctx: Context, question: Question) -> list[Question]:
    """Resolved questions found by search (the index holds those), then open ones sharing
    the most significant words; never the question itself, nor a duplicate."""
    community_id = ctx.community_id
    text = f"{question.title} {question.details} {' '.join(question.tags)}"
    found: list[Question] = []
    query = similarity_query(text)
    if not query.empty:
        hits = await ctx.tx.search.find(community_id, query, [Kind.QUESTION], limit=10)
        by_id = await ctx.tx.questions.by_ids(community_id, [h.ref_id for h in hits])
        found = [
            by_id[h.ref_id]
            for h in hits
            if h.ref_id in by_id
            and h.ref_id != question.id
            and by_id[h.ref_id].status is QuestionStatus.RESOLVED
        ]
    wanted = {w for w in words(text) if w not in STOPWORDS and len(w) > 2}
    scored = []
    for other in await ctx.tx.questions.open(community_id, _OPEN_LOOKED_AT):
        if other.id == question.id or other.duplicate_of is not None:
            continue
        shared = wanted & set(words(f"{other.title} {other.details} {' '.join(other.tags)}"))
        if shared:
            scored.append((-len(shared), -other.id, other))
    found += [other for _, _, other in sorted(scored, key=lambda s: s[:2])]
    return found[:CANDIDATES]


async def reason_lines(ctx: Context, since: datetime) -> list[Line]:
    """``/entraide stats``: questions closed since ``since``, per reason."""
    end = ctx.now + timedelta(seconds=1)
    closed = await ctx.tx.questions.closed_between(ctx.community_id, since, end)
    if not closed:
        return []
    counts = {reason: 0 for reason in CloseReason}
    for question in closed:
        counts[question.close_reason or CloseReason.NOT_NEEDED] += 1
    return [
        spans(
            ctx.language,
            "stats.closed",
            solved=counts[CloseReason.SOLVED_ELSEWHERE],
            duplicate=counts[CloseReason.DUPLICATE],
            unneeded=counts[CloseReason.NOT_NEEDED],
        )
    ]

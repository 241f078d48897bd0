"""The question's card: what it shows, how it goes out and is kept current, who is told."""

from __future__ import annotations

from bot import delivery
from bot.context import Context
from bot.core import Core
from bot.delivery import QUESTION, Subject
from bot.domain import (
    Answer,
    CloseReason,
    Delivery,
    DeliveryAction,
    Question,
    QuestionStatus,
)
from bot.i18n import spans, t
from bot.ports import ChatError, Transaction
from bot.replies import (
    Button,
    ButtonStyle,
    Line,
    Message,
    Span,
    bold,
    channel,
    italic,
    mention,
    message_link,
    plain,
    private,
)
from bot.text import excerpt

CLOSE, REOPEN = "question:close", "question:reopen"


def question_card(
    language: str,
    question: Question,
    asker_name: str,
    me_too: int,
    looking: Span | None = None,
    original: tuple[Question, Answer | None] | None = None,
) -> Message:
    """The public question message: title, details, tags, who asked, status, who is looking
    at it (a member who took a routed request), why it was closed (the original of a
    duplicate, with its accepted answer), buttons."""
    lines: list[Line] = []
    if question.details:
        lines.append((plain(question.details),))
    if question.tags:
        lines.append(
            spans(language, "question.tags", tags=" ".join(f"#{tag}" for tag in question.tags))
        )
    if question.anonymous or not question.asker_id:
        lines.append(spans(language, "question.asked_anonymously"))
    else:
        lines.append(
            spans(language, "question.asked_by", asker=mention(question.asker_id, asker_name))
        )
    lines.append(
        spans(language, "question.status", status=t(language, f"status.{question.status.value}"))
    )
    if question.status is QuestionStatus.CLOSED and question.close_reason is not None:
        lines += _closed_lines(language, question, original)
    if looking is not None:
        lines.append(spans(language, "question.looking", member=looking))
    if me_too:
        lines.append(spans(language, "question.me_too", count=me_too))
    lines.append(spans(language, "question.how_to_answer"))
    closed = question.status in (QuestionStatus.CLOSED, QuestionStatus.RESOLVED)
    button = (
        Button(t(language, "button.reopen"), REOPEN, str(question.id))
        if closed
        else Button(t(language, "button.close"), CLOSE, str(question.id), ButtonStyle.DANGER)
    )
    title = (
        bold(t(language, "question.title", number=question.id)),
        plain(" "),
        bold(question.title),
    )
    return Message(
        lines=tuple(lines),
        title=title,
        buttons=(button,),
        opens_thread=True,
        status=question.status.value,
        tags=question.tags,
    )


def _closed_lines(
    language: str, question: Question, original: tuple[Question, Answer | None] | None
) -> list[Line]:
    if question.close_reason is not CloseReason.DUPLICATE or original is None:
        reason = t(language, f"close.{(question.close_reason or CloseReason.NOT_NEEDED).value}")
        return [spans(language, "question.closed_because", reason=reason)]
    first, accepted = original
    label = f"Q{first.id} {first.title}"
    target = message_link(first.message_id, label) if first.message_id else plain(label)
    lines = [spans(language, "question.duplicate_of", original=target)]
    if accepted is not None:
        lines.append(
            spans(language, "question.original_answer", answer=italic(excerpt(accepted.text)))
        )
    return lines


async def queue_card(ctx: Context, question: Question) -> None:
    """The question's card goes to its channel by the one delivery path, with the question.

    Asked just now by whoever acted, it is rendered here, from what the unit of work knows:
    nobody can have reacted to it, taken it or answered it yet. Handed over to this
    process's deliverer, it goes out as rendered, without reading the question back. What
    changes before it is posted (closed meanwhile, the asker forgotten) queues an edit of the
    card, which follows it; a card that waits in the database is rendered when it is sent."""
    await delivery.post(
        ctx.core,
        ctx.tx,
        question.community_id,
        question.channel_id,
        f"question:{question.id}",
        subject=QUESTION,
        subject_id=question.id,
        rendered=question_card(ctx.settings.language, question, ctx.actor.name, me_too=0),
    )


async def refresh_card(core: Core, tx: Transaction, question: Question) -> None:
    """Show the question's current state on its card, once saved."""
    await delivery.edit_card(
        core,
        tx,
        question.community_id,
        question.channel_id,
        QUESTION,
        question.id,
        question.message_id,
    )


async def refresh_duplicates(core: Core, tx: Transaction, question: Question) -> None:
    """The cards of the questions closed as duplicates of this one show its accepted answer."""
    for duplicate in await tx.questions.duplicates_of(question.community_id, question.id):
        await refresh_card(core, tx, duplicate)


_NO_CARD = (QuestionStatus.DRAFT, QuestionStatus.WITHDRAWN)


async def _render_card(core: Core, tx: Transaction, queued: Delivery) -> Message | None:
    """A question's card as the question is when it is sent (posted or edited)."""
    facts = await tx.questions.card(queued.community_id, queued.subject_id or 0)
    if facts is None or facts.question.status in _NO_CARD:
        return None
    question, community_id = facts.question, facts.question.community_id
    settings = await core.settings(tx, community_id)
    # Someone looking into it shows until the question has a first answer.
    looking = question.status is QuestionStatus.OPEN and question.first_answer_at is None
    original = None
    if question.duplicate_of is not None:
        first = await tx.questions.get(community_id, question.duplicate_of)
        if first is not None:
            accepted = (
                await tx.questions.answer(community_id, first.accepted_answer_id)
                if first.accepted_answer_id
                else None
            )
            original = (first, accepted)
    return question_card(
        settings.language,
        question,
        facts.asker_name,
        facts.me_too,
        looking=mention(facts.taker_id, facts.taker_name) if looking and facts.taker_id else None,
        original=original,
    )


async def _tell_asker(
    core: Core, tx: Transaction, queued: Delivery, key: str, error: ChatError | None = None
) -> None:
    """A private word to the asker about their question's card (anonymous askers too), in
    the asker's language."""
    question = await tx.questions.get(queued.community_id, queued.subject_id or 0)
    if queued.action is not DeliveryAction.POST or question is None or not question.asker_id:
        return
    settings = await core.settings(tx, question.community_id)
    language = await core.member_language(tx, settings, question.asker_id)
    values = {"reason": error.reason(language)} if error is not None else {}
    notice = private(
        spans(language, key, number=question.id, channel=channel(question.channel_id), **values)
    )
    await delivery.private(
        core, tx, question.community_id, question.asker_id, f"{key}:{question.id}", notice
    )


async def _card_sent_late(
    core: Core, tx: Transaction, queued: Delivery, message_id: str | None
) -> None:
    await _tell_asker(core, tx, queued, "ask.now_posted")  # they were told it was delayed


async def _card_delayed(core: Core, tx: Transaction, queued: Delivery) -> None:
    await _tell_asker(core, tx, queued, "ask.post_delayed")


async def _card_refused(core: Core, tx: Transaction, queued: Delivery, error: ChatError) -> None:
    await _tell_asker(core, tx, queued, "error.post_failed", error)


QUESTION_CARD = Subject(
    render=_render_card,
    sent_late=_card_sent_late,
    delayed=_card_delayed,
    refused=_card_refused,
)

"""The question's card: what it shows, how it goes out and is kept current, who is told."""

from __future__ import annotations

from bot import delivery
from bot.core import Core
from bot.delivery import QUESTION, Subject
from bot.domain import Delivery, DeliveryAction, MarkKind, Question, QuestionStatus
from bot.i18n import spans, t
from bot.ports import ChatError, Transaction
from bot.replies import Button, ButtonStyle, Line, Message, bold, channel, mention, plain, private

CLOSE, REOPEN = "question:close", "question:reopen"


def question_card(language: str, question: Question, asker_name: str, me_too: int) -> Message:
    """The public question message: title, details, tags, who asked, status, buttons."""
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


async def queue_card(core: Core, tx: Transaction, question: Question) -> None:
    """The question's card goes to its channel by the one delivery path, with the question."""
    await delivery.post(
        core,
        tx,
        question.community_id,
        question.channel_id,
        f"question:{question.id}",
        subject=QUESTION,
        subject_id=question.id,
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


async def _render_card(core: Core, tx: Transaction, queued: Delivery) -> Message | None:
    """A question's card as the question is when it is sent (posted or edited)."""
    question = await tx.questions.get(queued.community_id, queued.subject_id or 0)
    if question is None or question.status in (QuestionStatus.DRAFT, QuestionStatus.WITHDRAWN):
        return None
    settings = await core.settings(tx, question.community_id)
    names = await tx.communities.member_names(question.community_id, [question.asker_id or ""])
    me_too = (
        await tx.marks.count(question.community_id, question.message_id, MarkKind.ME_TOO)
        if question.message_id
        else 0
    )
    return question_card(
        settings.language, question, names.get(question.asker_id or "", ""), me_too
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


async def _card_sent(core: Core, tx: Transaction, queued: Delivery, message_id: str | None) -> None:
    if queued.failures:  # the asker was told it would come: now it has
        await _tell_asker(core, tx, queued, "ask.now_posted")


async def _card_delayed(core: Core, tx: Transaction, queued: Delivery) -> None:
    await _tell_asker(core, tx, queued, "ask.post_delayed")


async def _card_refused(core: Core, tx: Transaction, queued: Delivery, error: ChatError) -> None:
    await _tell_asker(core, tx, queued, "error.post_failed", error)


QUESTION_CARD = Subject(
    render=_render_card, sent=_card_sent, delayed=_card_delayed, refused=_card_refused
)

"""Peer help: ask, answer, mark helpful, accept, me too, close and reopen.

Lifecycle: draft (similar questions shown) → open → answered → resolved, or
closed; reopening goes back to open or answered.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot import delivery
from bot.commands import Actor
from bot.core import Core
from bot.delivery import QUESTION, Subject
from bot.domain import (
    Answer,
    CommunitySettings,
    Delivery,
    DeliveryAction,
    MarkKind,
    Question,
    QuestionStatus,
)
from bot.emoji import canonical
from bot.errors import UserError
from bot.i18n import spans, t
from bot.ports import ChatError, Transaction
from bot.replies import (
    Button,
    ButtonStyle,
    Line,
    Message,
    bold,
    channel,
    italic,
    mention,
    plain,
    private,
)
from bot.search import Kind, similarity_query, words
from bot.text import DETAILS_MAX, TITLE_MAX, clean, clean_reply, clean_tags, fold

log = logging.getLogger(__name__)

SUGGESTIONS = 3
CLOSE, REOPEN, POST_DRAFT, WITHDRAW_DRAFT, ACCEPT = (
    "question:close",
    "question:reopen",
    "question:post",
    "question:withdraw",
    "answer:accept",
)


async def ask(
    core: Core,
    actor: Actor,
    channel_id: str,
    title: str,
    details: str = "",
    tags: tuple[str, ...] = (),
    anonymous: bool = False,
) -> Message:
    """Store the question, then either show similar resolved ones or post it."""
    title = clean(title, field="question", limit=TITLE_MAX)
    details = clean(details, field="details", limit=DETAILS_MAX, required=False)
    tags = clean_tags(tags)
    now = core.clock.now()
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        similar = await _similar_resolved(
            tx, actor.community_id, f"{title} {details} {' '.join(tags)}"
        )
        question = await tx.add_question(
            actor.community_id,
            settings.help_channel or channel_id,
            actor.member_id,
            anonymous,
            title,
            details,
            tags,
            QuestionStatus.DRAFT if similar else QuestionStatus.OPEN,
            now,
        )
        if not similar:
            await _queue_card(core, tx, question)
    language = core.private_language(settings, actor)
    if similar:
        return _suggestions(language, question, similar)
    return _on_its_way(language, question)


async def post_draft(core: Core, actor: Actor, question_id: int) -> Message:
    """The asker read the suggestions and still wants to ask."""
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        question = await _own_draft(tx, actor, question_id)
        question = replace(question, status=QuestionStatus.OPEN)
        await tx.update_question(question)
        await _queue_card(core, tx, question)
    return _on_its_way(core.private_language(settings, actor), question)


async def withdraw_draft(core: Core, actor: Actor, question_id: int) -> Message:
    """A suggestion answered the asker: the draft is dropped, nothing is posted."""
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        question = await _own_draft(tx, actor, question_id)
        await tx.update_question(replace(question, status=QuestionStatus.WITHDRAWN))
    return private(spans(core.private_language(settings, actor), "ask.withdrawn"))


async def _own_draft(tx: Transaction, actor: Actor, question_id: int) -> Question:
    question = await tx.question(actor.community_id, question_id)
    if question is None or question.asker_id != actor.member_id:
        raise UserError("error.not_your_question")
    if question.status is not QuestionStatus.DRAFT:
        raise UserError("error.already_posted")
    return question


async def _queue_card(core: Core, tx: Transaction, question: Question) -> None:
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


def _on_its_way(language: str, question: Question) -> Message:
    key = "ask.posted_anonymously" if question.anonymous else "ask.posted"
    return private(spans(language, key, number=question.id, channel=channel(question.channel_id)))


async def _render_card(core: Core, tx: Transaction, queued: Delivery) -> Message | None:
    """A question's card as the question is when it is sent (posted or edited)."""
    question = await tx.question(queued.community_id, queued.subject_id or 0)
    if question is None or question.status in (QuestionStatus.DRAFT, QuestionStatus.WITHDRAWN):
        return None
    settings = await core.settings(tx, question.community_id)
    names = await tx.member_names(question.community_id, [question.asker_id or ""])
    me_too = (
        await tx.count_marks(question.community_id, question.message_id, MarkKind.ME_TOO)
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
    question = await tx.question(queued.community_id, queued.subject_id or 0)
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


async def _similar_resolved(
    tx: Transaction, community_id: str, text: str
) -> list[tuple[Question, Answer | None]]:
    """Up to three resolved questions sharing enough significant words with ``text``."""
    query = similarity_query(text)
    if query.empty:
        return []
    hits = await tx.search(community_id, query, [Kind.QUESTION], limit=10)
    found = await tx.questions_by_ids(community_id, [h.ref_id for h in hits])
    wanted = {g[0] for g in query.groups}
    # A single shared word is a coincidence; ask for a third of the question's words.
    needed = max(1, min(3, -(-len(wanted) // 3)))
    similar = []
    for hit in hits:
        question = found.get(hit.ref_id)
        if question is None or question.status is not QuestionStatus.RESOLVED:
            continue
        shared = wanted & set(
            words(f"{question.title} {question.details} {' '.join(question.tags)}")
        )
        if len(shared) >= needed:
            accepted = (
                await tx.answer(community_id, question.accepted_answer_id)
                if question.accepted_answer_id
                else None
            )
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


async def refresh_card(core: Core, tx: Transaction, question: Question) -> None:
    """Show the question's current status on its card, once saved."""
    await delivery.edit_card(
        core,
        tx,
        question.community_id,
        question.channel_id,
        QUESTION,
        question.id,
        question.message_id,
    )


async def record_answer(
    core: Core, actor: Actor, question: Question, message_id: str, text: str
) -> None:
    """A reply in a question's thread is an answer, unless the asker is talking in their own thread."""
    if (
        question.status in (QuestionStatus.DRAFT, QuestionStatus.WITHDRAWN)
        or actor.member_id == question.asker_id
    ):
        return
    now = core.clock.now()
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        answer = await tx.add_answer(
            actor.community_id, question.id, actor.member_id, clean_reply(text), message_id, now
        )
        if answer is None:
            return
        if question.first_answer_at is None:
            status = (
                QuestionStatus.ANSWERED
                if question.status is QuestionStatus.OPEN
                else question.status
            )
            question = replace(question, first_answer_at=now, status=status)
            await tx.update_question(question)
            await refresh_card(core, tx, question)
        if question.anonymous and question.asker_id:
            await _offer_private_accept(core, tx, settings, question, answer)


async def _offer_private_accept(
    core: Core, tx: Transaction, settings: CommunitySettings, question: Question, answer: Answer
) -> None:
    """Anonymous askers accept by a private button, so that nobody sees who asked."""
    language = await core.member_language(tx, settings, question.asker_id or "")
    message = private(
        spans(language, "answer.new_for_anonymous", number=question.id, title=question.title),
        (italic(excerpt(answer.text)),),
        buttons=(
            Button(t(language, "button.accept"), ACCEPT, str(answer.id), ButtonStyle.PRIMARY),
        ),
    )
    await delivery.private(
        core, tx, question.community_id, question.asker_id or "", f"offer:{answer.id}", message
    )


def answer_mark(
    core: Core, actor: Actor, author_id: str | None, asker_id: str | None
) -> MarkKind | None:
    """What the helpful emoji means from ``actor``: accepted (the asker, an organiser),
    helpful (anyone else), or nothing (their own answer)."""
    if actor.member_id == author_id:
        return None  # reacting to your own answer counts for nothing
    if actor.member_id == asker_id or core.is_organiser(actor):
        return MarkKind.ACCEPTED
    return MarkKind.HELPFUL


async def mark_answer(
    core: Core, actor: Actor, answer: Answer, question: Question, added: bool
) -> None:
    """The helpful emoji on an answer: the asker or an organiser accepts, anyone else finds it helpful."""
    kind = answer_mark(core, actor, answer.author_id, question.asker_id)
    if kind is None:
        return
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        changed = await tx.set_mark(
            actor.community_id, answer.message_id, actor.member_id, kind, added, core.clock.now()
        )
        if kind is not MarkKind.ACCEPTED or not changed:
            return
        if added:
            await _accept(core, tx, settings, question, answer)
        else:
            still_accepted = await tx.count_marks(
                actor.community_id, answer.message_id, MarkKind.ACCEPTED
            )
            if question.accepted_answer_id == answer.id and not still_accepted:
                await _unresolve(core, tx, question)  # the last acceptor took it back


async def marks_cleared(core: Core, community_id: str, message_id: str, emoji: str | None) -> None:
    """A moderator cleared a message's reactions (all, or one emoji): the marks they made go.

    On an answer that was accepted, the question is resolved no more; on a question,
    the me-too count is shown again; on a resource's post, its upvotes go (all at once
    only: an upvote may be any emoji).
    """
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, community_id)
        answer = await tx.answer_by_message(community_id, message_id)
        if answer is not None and emoji in (None, canonical(settings.helpful_emoji)):
            await tx.clear_marks(community_id, message_id, MarkKind.HELPFUL)
            await tx.clear_marks(community_id, message_id, MarkKind.ACCEPTED)
            question = await tx.question(community_id, answer.question_id)
            if question is not None and question.accepted_answer_id == answer.id:
                await _unresolve(core, tx, question)
            return
        question = await tx.question_by_message(community_id, message_id)
        if question is not None and emoji in (None, canonical(settings.me_too_emoji)):
            await tx.clear_marks(community_id, message_id, MarkKind.ME_TOO)
            await refresh_card(core, tx, question)
        elif emoji is None and await tx.resource_by_post(community_id, message_id) is not None:
            await tx.clear_marks(
                community_id, message_id, MarkKind.UPVOTE
            )  # any emoji was an upvote


async def accept_by_button(core: Core, actor: Actor, answer_id: int) -> Message:
    """The private accept path (anonymous questions): same effect as the asker's reaction."""
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        answer = await tx.answer(actor.community_id, answer_id)
        question = await tx.question(actor.community_id, answer.question_id) if answer else None
        if answer is None or question is None:
            raise UserError("error.unknown_answer")
        if actor.member_id != question.asker_id and not core.is_organiser(actor):
            raise UserError("error.not_your_question")
        await tx.add_mark(
            actor.community_id,
            answer.message_id,
            actor.member_id,
            MarkKind.ACCEPTED,
            core.clock.now(),
        )
        question = await _accept(core, tx, settings, question, answer)
    return private(
        spans(core.private_language(settings, actor), "answer.accepted_private", number=question.id)
    )


async def _accept(
    core: Core, tx: Transaction, settings: CommunitySettings, question: Question, answer: Answer
) -> Question:
    if question.accepted_answer_id not in (None, answer.id):
        # One accepted answer per question: the previous one goes back to plain helpful.
        previous = await tx.answer(question.community_id, question.accepted_answer_id)
        if previous is not None:
            await tx.revoke_marks(
                question.community_id, previous.message_id, MarkKind.ACCEPTED, core.clock.now()
            )
    question = replace(
        question,
        status=QuestionStatus.RESOLVED,
        accepted_answer_id=answer.id,
        resolved_at=question.resolved_at
        if question.accepted_answer_id == answer.id
        else core.clock.now(),
        first_answer_at=question.first_answer_at or answer.created_at,
    )
    await tx.update_question(question)
    await index_question(tx, question, answer)
    await refresh_card(core, tx, question)
    await _announce_accepted(core, tx, settings, question, answer)
    return question


async def _unresolve(
    core: Core, tx: Transaction, question: Question, refresh: bool = True
) -> Question:
    status = QuestionStatus.ANSWERED if question.first_answer_at else QuestionStatus.OPEN
    question = replace(question, status=status, accepted_answer_id=None, resolved_at=None)
    await tx.update_question(question)
    await tx.unindex(question.community_id, Kind.QUESTION, question.id)
    if refresh:
        await refresh_card(core, tx, question)
    return question


async def _announce_accepted(
    core: Core, tx: Transaction, settings: CommunitySettings, question: Question, answer: Answer
) -> None:
    """Mark the accepted answer visibly: the bot's own reaction and a note in the thread,
    once per answer (accepting it again after a reopen says nothing new)."""
    if question.message_id is None:
        return
    await delivery.react(
        core,
        tx,
        question.community_id,
        question.channel_id,
        answer.message_id,
        settings.helpful_emoji,
        f"accepted-mark:{answer.id}",
    )
    names = await tx.member_names(question.community_id, [answer.author_id or ""])
    author = (
        mention(answer.author_id, names.get(answer.author_id, ""))
        if answer.author_id
        else plain("?")
    )
    note = Message(lines=(spans(settings.language, "answer.accepted_note", author=author),))
    await delivery.post(
        core,
        tx,
        question.community_id,
        question.channel_id,
        f"accepted-note:{answer.id}",
        message=note,
        thread_id=question.message_id,
    )


async def index_question(tx: Transaction, question: Question, accepted: Answer) -> None:
    """A resolved question is findable with its accepted answer."""
    await tx.index(
        question.community_id,
        Kind.QUESTION,
        question.id,
        fold(f"{question.title} {' '.join(question.tags)}"),
        fold(f"{question.details} {accepted.text}"),
    )


async def me_too(core: Core, actor: Actor, question: Question, added: bool) -> None:
    """Others with the same question: raised in reminders, counted on the card."""
    if actor.member_id == question.asker_id or question.message_id is None:
        return
    async with core.store.transaction() as tx:
        changed = await tx.set_mark(
            actor.community_id,
            question.message_id,
            actor.member_id,
            MarkKind.ME_TOO,
            added,
            core.clock.now(),
        )
        if changed:
            await refresh_card(core, tx, question)


async def close_or_reopen(core: Core, actor: Actor, question_id: int, close: bool) -> Message:
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        question = await tx.question(actor.community_id, question_id)
        if question is None or question.status in (QuestionStatus.DRAFT, QuestionStatus.WITHDRAWN):
            raise UserError("error.unknown_question")
        if actor.member_id != question.asker_id and not core.is_organiser(actor):
            raise UserError("error.not_your_question")
        language = core.private_language(settings, actor)
        if close:
            if question.status is QuestionStatus.CLOSED:
                return private(spans(language, "question.already_closed", number=question.id))
            question = replace(question, status=QuestionStatus.CLOSED)
            await tx.update_question(question)
        else:
            if question.status not in (QuestionStatus.CLOSED, QuestionStatus.RESOLVED):
                return private(spans(language, "question.already_open", number=question.id))
            if question.accepted_answer_id:
                accepted = await tx.answer(question.community_id, question.accepted_answer_id)
                if accepted is not None:
                    # The asker's reaction stays on the answer: read back after a restart,
                    # it must not resolve the question again.
                    await tx.revoke_marks(
                        question.community_id,
                        accepted.message_id,
                        MarkKind.ACCEPTED,
                        core.clock.now(),
                    )
            question = await _unresolve(core, tx, question, refresh=False)
        await refresh_card(core, tx, question)
    return private(
        spans(language, "question.closed" if close else "question.reopened", number=question.id)
    )


def excerpt(text: str, limit: int = 280) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

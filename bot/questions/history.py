"""``/entraide history <number>``: what happened to a question, for organisers: asked,
raised in round-ups, routed to whom and when, taken or declined, answered, the asker
asked which answer helped, accepted or closed and why. An anonymous asker stays unnamed."""

from __future__ import annotations

from datetime import datetime

from bot.context import Context
from bot.domain import CloseReason, QuestionStatus, RequestStatus
from bot.errors import UserError
from bot.i18n import spans, t
from bot.localtime import zone_or
from bot.replies import Line, Message, Span, bold, mention, plain

_ID_MAX = 2**31 - 1


def _number(text: str) -> int:
    word = text.strip().lstrip("#").removeprefix("Q").removeprefix("q")
    if not word.isascii() or not word.isdigit() or not 0 < int(word) <= _ID_MAX:
        raise UserError("error.history_needs_number")
    return int(word)


async def history(ctx: Context, rest: str) -> Message:
    ctx.require_organiser()
    tx, community_id = ctx.tx, ctx.community_id
    question = await tx.questions.get(community_id, _number(rest))
    if question is None or question.status in (QuestionStatus.DRAFT, QuestionStatus.WITHDRAWN):
        raise UserError("error.unknown_question")
    answers = await tx.questions.answers(community_id, question.id)
    requests = await tx.routing.for_question(community_id, question.id)
    nudges = await tx.nudges.for_question(community_id, question.id)
    named = [a.author_id for a in answers] + [r.member_id for r in requests]
    if not question.anonymous:
        named.append(question.asker_id)
    names = await tx.communities.member_names(community_id, [m for m in named if m])

    def who(member_id: str | None) -> Span:
        return mention(member_id, names.get(member_id, "")) if member_id else plain("?")

    language = ctx.language
    events: list[tuple[datetime, Line]] = []
    if question.anonymous or not question.asker_id:
        events.append((question.created_at, spans(language, "history.asked_anonymously")))
    else:
        events.append(
            (question.created_at, spans(language, "history.asked", member=who(question.asker_id)))
        )
    if question.reminders_sent and question.reminded_at:
        events.append(
            (
                question.reminded_at,
                spans(language, "history.roundups", count=question.reminders_sent),
            )
        )
    for request in requests:
        events.append(
            (request.asked_at, spans(language, "history.routed", member=who(request.member_id)))
        )
    for request in requests:  # who was asked first, then what they said
        if request.responded_at and request.status in (RequestStatus.TAKEN, RequestStatus.DECLINED):
            key = f"history.{request.status.value}"
            events.append(
                (request.responded_at, spans(language, key, member=who(request.member_id)))
            )
    for answer in answers:
        events.append(
            (
                answer.created_at,
                spans(
                    language,
                    "history.answer",
                    member=who(answer.author_id),
                    count=answer.helpful_count,
                ),
            )
        )
    for nudge in nudges:
        events.append((nudge.asked_at, spans(language, "history.nudged", count=nudge.answers)))
        if nudge.still_open_at:
            events.append((nudge.still_open_at, spans(language, "history.still_open")))
    if question.status is QuestionStatus.RESOLVED and question.resolved_at:
        accepted = next((a for a in answers if a.id == question.accepted_answer_id), None)
        author = who(accepted.author_id if accepted else None)
        events.append((question.resolved_at, spans(language, "history.accepted", member=author)))
    if question.status is QuestionStatus.CLOSED and question.closed_at:
        if question.close_reason is CloseReason.DUPLICATE and question.duplicate_of:
            line = spans(language, "history.duplicate", number=question.duplicate_of)
        else:
            reason = t(language, f"close.{(question.close_reason or CloseReason.NOT_NEEDED).value}")
            line = spans(language, "history.closed", reason=reason)
        events.append((question.closed_at, line))
    tz = zone_or(ctx.settings.timezone, "UTC")
    lines = [
        (plain(moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") + " · "), *line)
        for moment, line in sorted(events, key=lambda event: event[0])
    ]
    title = (
        bold(t(language, "history.title", number=question.id)),
        plain(" "),
        bold(question.title),
    )
    return Message(title=title, lines=tuple(lines), private=True)

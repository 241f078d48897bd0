"""The statements the questions' repository runs most, built once, and rows read back as
questions and answers."""

from __future__ import annotations

import dataclasses

from sqlalchemy import and_, bindparam, insert, select

from bot.domain import Answer, CloseReason, MarkKind, Question, QuestionStatus, RequestStatus
from storage.repositories.marks import live_count
from storage.tables import answers, members, questions, routing_requests

# Every /ask: built once. Read back as stored (defaults, types) in the same statement.
ADD = insert(questions).returning(*questions.c)
GET = select(questions).where(
    questions.c.id == bindparam("question_id"),
    questions.c.community_id == bindparam("community_id"),
)


def _helpful_count(of=answers):
    return live_count(MarkKind.HELPFUL, of.c.community_id, of.c.message_id)


# Built once: a search, and every /ask's similar questions, load their hits by id
# (WITH_ACCEPTED, below); round-ups and routing their questions.
BY_IDS = select(questions).where(questions.c.id.in_(bindparam("ids", expanding=True)))
ANSWERS = select(answers, _helpful_count().label("helpful_count")).order_by(
    answers.c.created_at, answers.c.id
)
_ACCEPTED = answers.alias("accepted")
# The question's row, then its accepted answer's columns, prefixed.
WITH_ACCEPTED = (
    select(
        questions,
        *(c.label(f"accepted_{c.name}") for c in _ACCEPTED.c),
        _helpful_count(_ACCEPTED).label("accepted_helpful_count"),
    )
    .select_from(
        questions.outerjoin(
            _ACCEPTED,
            and_(
                _ACCEPTED.c.id == questions.c.accepted_answer_id,
                _ACCEPTED.c.community_id == questions.c.community_id,
            ),
        )
    )
    .where(questions.c.id.in_(bindparam("ids", expanding=True)))
)


def _card():
    asker_name = (
        select(members.c.name)
        .where(
            members.c.community_id == questions.c.community_id,
            members.c.member_id == questions.c.asker_id,
        )
        .scalar_subquery()
    )

    def last_taken(column):
        # By the question's id alone (its requests are its community's): the index on it,
        # not the community's requests.
        return (
            select(column)
            .select_from(
                routing_requests.outerjoin(
                    members,
                    and_(
                        members.c.community_id == routing_requests.c.community_id,
                        members.c.member_id == routing_requests.c.member_id,
                    ),
                )
            )
            .where(
                routing_requests.c.question_id == questions.c.id,
                routing_requests.c.status == RequestStatus.TAKEN.value,
            )
            .order_by(routing_requests.c.asked_at.desc(), routing_requests.c.id.desc())
            .limit(1)
            .correlate(questions)
            .scalar_subquery()
        )

    me_too = live_count(MarkKind.ME_TOO, questions.c.community_id, questions.c.message_id)
    return GET.add_columns(
        asker_name.label("asker_name"),
        last_taken(routing_requests.c.member_id).label("taker_id"),
        last_taken(members.c.name).label("taker_name"),
        me_too.label("me_too"),
    )


CARD = _card()

ANSWER_AND_QUESTION = (
    select(
        questions,
        answers.c.id.label("answer_id"),
        answers.c.author_id.label("answer_author_id"),
        answers.c.text.label("answer_text"),
        answers.c.created_at.label("answer_created_at"),
        _helpful_count().label("helpful_count"),
    )
    .join(questions, questions.c.id == answers.c.question_id)
    .where(
        answers.c.community_id == bindparam("community_id"),
        answers.c.message_id == bindparam("message_id"),
    )
)


_ANSWER_FIELDS = [field.name for field in dataclasses.fields(Answer)]


def answer_from_row(row, prefix: str = "") -> Answer:
    """An answer from its row with a ``helpful_count`` column; ``prefix``: its columns' in a
    row of another table's (``WITH_ACCEPTED``'s ``accepted_``)."""
    return Answer(**{name: getattr(row, prefix + name) for name in _ANSWER_FIELDS})


def accepted_from_row(row) -> Answer | None:
    """The accepted answer read with its question (``WITH_ACCEPTED``), if there is one."""
    return None if row.accepted_id is None else answer_from_row(row, "accepted_")


def question_from_row(row) -> Question:
    return Question(
        id=row.id,
        community_id=row.community_id,
        channel_id=row.channel_id,
        message_id=row.message_id,
        asker_id=row.asker_id,
        anonymous=row.anonymous,
        title=row.title,
        details=row.details,
        tags=tuple(row.tags or ()),
        status=QuestionStatus(row.status),
        created_at=row.created_at,
        first_answer_at=row.first_answer_at,
        resolved_at=row.resolved_at,
        accepted_answer_id=row.accepted_answer_id,
        reminders_sent=row.reminders_sent,
        reminded_at=row.reminded_at,
        close_reason=CloseReason(row.close_reason) if row.close_reason else None,
        duplicate_of=row.duplicate_of,
        closed_at=row.closed_at,
    )

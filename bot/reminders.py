"""Nothing stays unanswered: open questions without an answer are raised again.

Round k of a question is due ``k × reminder delay`` after it was asked, for k up
to ``max_reminders``; each round is recorded under a unique key with its deliveries,
so it is sent once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot import delivery
from bot.core import Core
from bot.delivery import REMINDER, Subject
from bot.domain import CommunitySettings, Delivery, MarkKind, Question
from bot.i18n import spans
from bot.ports import ChatError, Transaction
from bot.replies import Message, bold, plain

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueReminder:
    question: Question
    round: int
    due_at: datetime
    me_too: int
    recipients: tuple[str, ...]  # members whose declared topics match the question's tags


def reminder_due_at(question: Question, settings: CommunitySettings) -> datetime:
    return question.created_at + settings.reminder_delay * (question.reminders_sent + 1)


async def due_reminders(core: Core, tx: Transaction, now: datetime) -> list[DueReminder]:
    """Which questions are due for a reminder at ``now``, and who is told privately."""
    due = []
    for question in await tx.questions.unanswered(now, core.max_reminders):
        settings = await core.settings(tx, question.community_id)
        due_at = reminder_due_at(question, settings)
        if due_at > now:
            continue
        recipients = await tx.communities.members_with_topics(question.community_id, question.tags)
        me_too = await tx.marks.count(question.community_id, question.message_id, MarkKind.ME_TOO)
        due.append(
            DueReminder(
                question,
                question.reminders_sent + 1,
                due_at,
                me_too,
                tuple(r for r in recipients if r != question.asker_id),
            )
        )
    # Questions more people are waiting for are raised first.
    due.sort(key=lambda r: (r.due_at, -r.me_too, r.question.id))
    return due


def reminder_message(language: str, reminder: DueReminder, now: datetime) -> Message:
    question = reminder.question
    hours = int((now - question.created_at).total_seconds() // 3600)
    lines = [
        spans(language, "reminder.waiting", hours=hours),
        (bold(f"Q{question.id}"), plain(" " + question.title)),
    ]
    if reminder.me_too:
        lines.append(spans(language, "reminder.me_too", count=reminder.me_too))
    lines.append(spans(language, "reminder.how_to_help"))
    return Message(lines=tuple(lines), refers_to=question.message_id)


async def queue_reminder(core: Core, reminder: DueReminder, now: datetime) -> int:
    """Record the round, and queue the question raised in its channel and the matching
    members told: exactly one instance records a round, and so queues it."""
    question = reminder.question
    async with core.store.transaction() as tx:
        if not await tx.questions.add_reminder(question, reminder.round, now):
            return 0
        settings = await core.settings(tx, question.community_id)
        message = reminder_message(settings.language, reminder, now)
        key = f"reminder:{question.id}:{reminder.round}"
        await delivery.post(
            core,
            tx,
            question.community_id,
            question.channel_id,
            key,
            message=message,
            subject=REMINDER,
            subject_id=question.id,
        )
        for member_id in reminder.recipients:
            language = await core.member_language(tx, settings, member_id)
            await delivery.private(
                core,
                tx,
                question.community_id,
                member_id,
                f"{key}:{member_id}",
                reminder_message(language, reminder, now),
            )
    return 1


async def _reminder_refused(
    core: Core, tx: Transaction, refused: Delivery, error: ChatError
) -> None:
    await delivery.report_failure(core, tx, refused, error)


REMINDER_POST = Subject(refused=_reminder_refused)

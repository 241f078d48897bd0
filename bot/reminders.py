"""Nothing stays unanswered: open questions without an answer are raised again.

Round k of a question is due ``k × reminder delay`` after it was asked, for k up
to ``max_reminders``; each round is claimed in the database, so it is sent once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.core import Core
from bot.domain import CommunitySettings, MarkKind, Question
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
    due: list[DueReminder] = []
    settings_by_community: dict[str, CommunitySettings] = {}
    for question in await tx.unanswered_questions(now, core.max_reminders):
        settings = settings_by_community.get(question.community_id)
        if settings is None:
            settings = settings_by_community[question.community_id] = await core.settings(
                tx, question.community_id
            )
        due_at = reminder_due_at(question, settings)
        if due_at > now:
            continue
        recipients = await tx.members_with_topics(question.community_id, question.tags)
        me_too = await tx.count_marks(question.community_id, question.message_id, MarkKind.ME_TOO)
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


async def send_reminder(core: Core, reminder: DueReminder, now: datetime) -> bool:
    """Claim the round, then raise the question in its channel and tell the matching members."""
    question = reminder.question
    async with core.store.transaction() as tx:
        if not await tx.claim_reminder(question, reminder.round, now):
            return False
        settings = await core.settings(tx, question.community_id)
    message = reminder_message(settings.language, reminder, now)
    try:
        await core.chat.post(question.community_id, question.channel_id, message)
    except ChatError as error:
        log.warning(
            "reminder for question %s in %s failed: %s", question.id, question.community_id, error
        )
    for member_id in reminder.recipients:
        try:
            await core.chat.send_private(question.community_id, member_id, message)
        except ChatError as error:
            log.info("could not tell %s about question %s: %s", member_id, question.id, error)
    return True

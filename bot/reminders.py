"""Nothing stays unanswered: open questions without an answer are raised again.

Round k of a question is due ``k × reminder delay`` after it was asked, for k up
to ``max_reminders``; each round is claimed in the database, so it is sent once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.core import Core
from bot.delivery import report_failure, retry_at
from bot.domain import ClaimStatus, CommunitySettings, MarkKind, Question
from bot.i18n import spans
from bot.ports import ChatError, ChatUnavailable, Transaction
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
    """Which questions are due for a reminder at ``now``, and who is told privately.

    Besides the rounds that came due, this takes back the rounds whose claimant
    did not finish them (it died, or the platform kept failing).
    """
    settings_by_community: dict[str, CommunitySettings] = {}

    async def settings_of(question: Question) -> CommunitySettings:
        if question.community_id not in settings_by_community:
            settings_by_community[question.community_id] = await core.settings(
                tx, question.community_id
            )
        return settings_by_community[question.community_id]

    rounds = [
        (
            question,
            question.reminders_sent + 1,
            reminder_due_at(question, await settings_of(question)),
        )
        for question in await tx.unanswered_questions(now, core.max_reminders)
    ]
    rounds = [(question, round_, due_at) for question, round_, due_at in rounds if due_at <= now]
    for question, round_ in await tx.expired_reminders(now):
        settings = await settings_of(question)
        rounds.append((question, round_, question.created_at + settings.reminder_delay * round_))
    due = []
    for question, round_, due_at in rounds:
        recipients = await tx.members_with_topics(question.community_id, question.tags)
        me_too = await tx.count_marks(question.community_id, question.message_id, MarkKind.ME_TOO)
        due.append(
            DueReminder(
                question,
                round_,
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


async def send_reminder(core: Core, reminder: DueReminder, now: datetime) -> int:
    """Claim the round, then raise the question in its channel and tell the matching members."""
    question = reminder.question
    async with core.store.transaction() as tx:
        claim = await tx.claim_reminder(question, reminder.round, now, core.claim_lease)
        if claim is None:
            return 0
        settings = await core.settings(tx, question.community_id)
    message = reminder_message(settings.language, reminder, now)
    status, retry = ClaimStatus.POSTED, None
    try:
        await core.chat.post(question.community_id, question.channel_id, message)
    except ChatUnavailable as error:
        log.warning(
            "reminder for question %s in %s failed, will retry: %s",
            question.id,
            question.community_id,
            error,
        )
        status, retry = ClaimStatus.CLAIMED, retry_at(core, claim.attempts, now)
    except ChatError as error:
        log.error(
            "reminder for question %s in %s failed for good: %s",
            question.id,
            question.community_id,
            error,
        )
        status = ClaimStatus.FAILED
        await report_failure(
            core, question.community_id, settings.language, question.channel_id, error
        )
    async with core.store.transaction() as tx:
        await tx.finish_reminder(question, reminder.round, status, now, retry)
    if status is not ClaimStatus.POSTED:
        return 0
    for member_id in reminder.recipients:
        try:
            await core.chat.send_private(question.community_id, member_id, message)
        except ChatError as error:
            log.info("could not tell %s about question %s: %s", member_id, question.id, error)
    return 1

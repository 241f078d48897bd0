"""What is due at a given instant: prompt occurrences, digests and reminders.

The truth lives in the database: a timer (APScheduler in ``entraide run``, the
simulated clock in the console) only asks :func:`run_due` to do what is due and
:func:`next_due` when to ask again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core import Core
from bot.domain import Schedule, ScheduleKind
from bot.ports import ChatError
from bot.practice import choose_prompt, prompt_message
from bot.reminders import due_reminders, reminder_due_at, send_reminder
from bot.schedule import latest_occurrence, next_occurrence
from bot.stats import digest_message, weekly_digest

log = logging.getLogger(__name__)

CLAIMED, POSTED, SKIPPED, FAILED = "claimed", "posted", "skipped", "failed"


async def run_due(core: Core, now: datetime) -> int:
    """Do everything due at ``now``, oldest first; return how many posts were made."""
    done = 0
    async with core.store.transaction() as tx:
        schedules = await tx.schedules()
        occurrences = [
            (s, *latest_occurrence(s.weekday, s.local_time, s.timezone, now)) for s in schedules
        ]
        # An occurrence before the schedule existed was never owed.
        occurrences = [(s, week, due) for s, week, due in occurrences if due >= s.created_at]
        known = await tx.known_weeks(
            [s.id for s, _, _ in occurrences], [week for _, week, _ in occurrences]
        )
        reminders = await due_reminders(core, tx, now)
    for schedule, week, due in sorted(occurrences, key=lambda o: o[2]):
        if (schedule.id, week) not in known:
            done += await _run_occurrence(core, schedule, week, due, now)
    for reminder in reminders:
        done += await send_reminder(core, reminder, now)
    return done


async def _run_occurrence(
    core: Core, schedule: Schedule, week: str, due: datetime, now: datetime
) -> int:
    late = now - due > core.catch_up_grace
    async with core.store.transaction() as tx:
        occurrence_id = await tx.claim_occurrence(
            schedule, week, due, SKIPPED if late else CLAIMED, now
        )
        if occurrence_id is None:
            return 0  # another instance has it
        if late:
            log.warning(
                "skipped %s of schedule %s in %s: due %s, beyond the catch-up window",
                week,
                schedule.id,
                schedule.community_id,
                due.isoformat(),
            )
            return 0
        settings = await core.settings(tx, schedule.community_id)
        if schedule.kind is ScheduleKind.PROMPT:
            prompt = await choose_prompt(core, tx, schedule.community_id, schedule.channel_id)
            message = prompt_message(core, settings, prompt) if prompt else None
        else:
            prompt = None
            message = digest_message(
                settings.language,
                await weekly_digest(tx, schedule.community_id, due, core.digest_days),
            )
        if prompt is not None:
            # Recorded with the claim, so that it counts as used whatever happens next.
            await tx.record_occurrence_prompt(schedule.community_id, occurrence_id, prompt.id)
    if message is None:
        return 0
    status, message_id = POSTED, None
    try:
        message_id = await core.chat.post(schedule.community_id, schedule.channel_id, message)
    except ChatError as error:
        status = FAILED
        log.warning(
            "posting %s of schedule %s in %s failed: %s",
            week,
            schedule.id,
            schedule.community_id,
            error,
        )
    async with core.store.transaction() as tx:
        await tx.finish_occurrence(schedule.community_id, occurrence_id, status, message_id, now)
    return int(status == POSTED)


async def next_due(core: Core, now: datetime) -> datetime | None:
    """The first instant after ``now`` when something may become due."""
    candidates: list[datetime] = []
    async with core.store.transaction() as tx:
        for s in await tx.schedules():
            candidates.append(next_occurrence(s.weekday, s.local_time, s.timezone, now)[1])
        for question in await tx.unanswered_questions(
            datetime.max.replace(tzinfo=now.tzinfo), core.max_reminders
        ):
            settings = await core.settings(tx, question.community_id)
            candidates.append(max(reminder_due_at(question, settings), now))
    later = [c for c in candidates if c > now]
    return min(later) if later else None

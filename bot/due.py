"""What is due at a given instant: prompt occurrences, digests, round-ups of unanswered
questions, members asked to help (routing), askers asked which answer helped (nudges).

The truth lives in the database: a timer (APScheduler in ``entraide run``, the
simulated clock in the console) only asks :func:`run_due` to queue what is due
and :func:`next_due` when to ask again. Each occurrence is recorded under a unique
key (schedule, week) in the same unit of work as its delivery, so that exactly
one instance queues it; the one delivery path (:mod:`bot.delivery`) posts it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot import delivery
from bot.core import Core
from bot.delivery import OCCURRENCE, Subject
from bot.domain import Delivery, OccurrenceStatus, Schedule, ScheduleKind
from bot.ports import ChatError, Transaction
from bot.practice import choose_prompt, prompt_by_id, prompt_message
from bot.questions.nudge import next_nudge, queue_nudges
from bot.questions.roundup import next_roundup, queue_roundups
from bot.questions.routing import next_routing, route_waiting
from bot.replies import Message
from bot.schedule import latest_occurrence, next_occurrence
from bot.stats import digest_message, weekly_digest

log = logging.getLogger(__name__)


# Platforms redeliver within minutes (Discord resumes) or hours (Slack retries): a week is ample.
EVENT_MEMORY = timedelta(days=7)


async def run_due(core: Core, now: datetime) -> int:
    """Queue everything due at ``now``, oldest first; return how many posts and private
    messages were queued (round-ups count once, with their private copies)."""
    # After days without a tick, the events to forget may be many: the loop goes on meanwhile.
    async with core.store.transaction(long=True) as tx:
        await tx.events.forget(now - EVENT_MEMORY)
    async with core.store.transaction() as tx:
        latest = {}
        for s in await tx.practice.schedules():
            week, due = latest_occurrence(s.weekday, s.local_time, s.timezone, now)
            if due >= s.created_at:  # an occurrence before the schedule existed was never owed
                latest[(s.id, week)] = (s, week, due)
        known = await tx.practice.known_weeks(
            [s.id for s, _, _ in latest.values()], [w for _, w, _ in latest.values()]
        )
    # The question loop first: a few short units of work, while a burst of weekly
    # occurrences can take seconds (a shutdown waits for the tick under way).
    # Routing before round-ups: a member asked privately about a question is not told
    # about it again in a round-up of their topics.
    queued = await route_waiting(core, now)
    queued += await queue_roundups(core, now)
    queued += await queue_nudges(core, now)
    for schedule, week, due in sorted(
        (o for key, o in latest.items() if key not in known), key=lambda o: o[2]
    ):
        queued += await _queue_occurrence(core, schedule, week, due, now)
    return queued


async def _queue_occurrence(
    core: Core, schedule: Schedule, week: str, due: datetime, now: datetime
) -> int:
    async with core.store.transaction() as tx:
        if now - due > core.catch_up_grace:
            if await tx.practice.add_occurrence(schedule, week, due, now, OccurrenceStatus.SKIPPED):
                log.warning(
                    "skipped %s of schedule %s in %s: due %s, beyond the catch-up window",
                    week,
                    schedule.id,
                    schedule.community_id,
                    due.isoformat(),
                )
            return 0
        prompt_id = None
        if schedule.kind is ScheduleKind.PROMPT:
            # Chosen now and kept with the occurrence, so that it counts as used whatever happens.
            prompt = await choose_prompt(core, tx, schedule.community_id, schedule.channel_id)
            if prompt is None:
                return 0
            prompt_id = prompt.id
        occurrence_id = await tx.practice.add_occurrence(
            schedule, week, due, now, OccurrenceStatus.QUEUED, prompt_id
        )
        if occurrence_id is None:
            return 0  # another instance queued it
        await delivery.post(
            core,
            tx,
            schedule.community_id,
            schedule.channel_id,
            f"occurrence:{occurrence_id}",
            subject=OCCURRENCE,
            subject_id=occurrence_id,
        )
    return 1


async def _render_occurrence(core: Core, tx: Transaction, queued: Delivery) -> Message | None:
    """The prompt or the digest of an occurrence, unless it is too late to post it."""
    occurrence = await tx.practice.occurrence(queued.community_id, queued.subject_id or 0)
    if occurrence is None:
        return None  # its schedule was removed
    if core.clock.now() - occurrence.due_at > core.catch_up_grace:
        log.warning(
            "skipped %s in %s: the platform could not take it within the catch-up window",
            occurrence.week,
            occurrence.community_id,
        )
        return None
    settings = await core.settings(tx, occurrence.community_id)
    if occurrence.kind is ScheduleKind.DIGEST:
        digest = await weekly_digest(
            tx, occurrence.community_id, occurrence.due_at, core.digest_days
        )
        return digest_message(settings.language, digest)
    prompt = (
        await prompt_by_id(core, tx, occurrence.community_id, occurrence.prompt_id)
        if occurrence.prompt_id
        else None
    )
    return prompt_message(core, settings, prompt) if prompt else None


async def _occurrence_refused(
    core: Core, tx: Transaction, refused: Delivery, error: ChatError
) -> None:
    await delivery.report_failure(core, tx, refused, error)


OCCURRENCE_POST = Subject(render=_render_occurrence, refused=_occurrence_refused)


async def next_due(core: Core, now: datetime) -> datetime | None:
    """The first instant after ``now`` when something may become due."""
    candidates: list[datetime] = []
    async with core.store.transaction() as tx:
        for s in await tx.practice.schedules():
            candidates.append(next_occurrence(s.weekday, s.local_time, s.timezone, now)[1])
        for upcoming in (
            await next_roundup(core, tx, now),
            await next_routing(core, tx, now),
            await next_nudge(core, tx, now),
        ):
            if upcoming is not None:
                candidates.append(upcoming)
        retry = await tx.deliveries.next_due_at()
        if retry is not None:
            candidates.append(retry)
    later = [c for c in candidates if c > now]
    return min(later) if later else None

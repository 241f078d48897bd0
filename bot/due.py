"""What is due at a given instant: prompt occurrences, digests and reminders.

The truth lives in the database: a timer (APScheduler in ``entraide run``, the
simulated clock in the console) only asks :func:`run_due` to do what is due and
:func:`next_due` when to ask again. Each scheduled post is claimed (a row with a
unique key) and committed before it is posted, so that one instance posts it;
a claim whose instance died is taken over when its lease ends; a post that
fails for a while is tried again with backoff; one the platform refuses for
good is marked failed and reported to the organisers.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.core import Core
from bot.delivery import report_failure, retry_at
from bot.domain import ClaimStatus, Question, Resource, Schedule, ScheduleKind
from bot.help import post_question
from bot.ports import ChatError, ChatUnavailable
from bot.practice import choose_prompt, prompt_by_id, prompt_message
from bot.reminders import due_reminders, reminder_due_at, send_reminder
from bot.resources import announce
from bot.schedule import latest_occurrence, next_occurrence
from bot.stats import digest_message, weekly_digest

log = logging.getLogger(__name__)


# Platforms redeliver within minutes (Discord resumes) or hours (Slack retries): a week is ample.
EVENT_MEMORY = timedelta(days=7)


async def run_due(core: Core, now: datetime) -> int:
    """Do everything due at ``now``, oldest first; return how many posts were made."""
    async with core.store.transaction() as tx:
        await tx.forget_events(now - EVENT_MEMORY)
        latest = {}
        for s in await tx.schedules():
            week, due = latest_occurrence(s.weekday, s.local_time, s.timezone, now)
            if due >= s.created_at:  # an occurrence before the schedule existed was never owed
                latest[(s.id, week)] = (s, week, due)
        known = await tx.known_weeks(
            [s.id for s, _, _ in latest.values()], [w for _, w, _ in latest.values()]
        )
        occurrences = [o for key, o in latest.items() if key not in known]
        occurrences += await tx.expired_occurrences(now)
        reminders = await due_reminders(core, tx, now)
        questions = await tx.pending_question_posts(now)
        resources = await tx.pending_resource_posts(now)
    # Many channels can be due at the same minute: post them side by side, oldest first.
    slots = asyncio.Semaphore(core.post_concurrency)

    async def bounded(post) -> int:
        async with slots:
            return await post

    occurrences.sort(key=lambda o: o[2])
    posts = [_run_occurrence(core, schedule, week, due, now) for schedule, week, due in occurrences]
    posts += [send_reminder(core, reminder, now) for reminder in reminders]
    posts += [_post_pending_question(core, question, now) for question in questions]
    posts += [_announce_pending_resource(core, resource, now) for resource in resources]
    return sum(await asyncio.gather(*(bounded(post) for post in posts)))


async def _run_occurrence(
    core: Core, schedule: Schedule, week: str, due: datetime, now: datetime
) -> int:
    late = now - due > core.catch_up_grace
    async with core.store.transaction() as tx:
        claim = await tx.claim_occurrence(schedule, week, due, now, core.claim_lease, late)
        if claim is None:
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
            # A claim taken over keeps the prompt its first claimant chose.
            prompt = (
                await prompt_by_id(core, tx, schedule.community_id, claim.prompt_id)
                if claim.prompt_id
                else await choose_prompt(core, tx, schedule.community_id, schedule.channel_id)
            )
            if prompt is None:
                return 0
            # Recorded with the claim, so that it counts as used whatever happens next.
            await tx.record_occurrence_prompt(schedule.community_id, claim.id, prompt.id)
            message = prompt_message(core, settings, prompt)
        else:
            digest = await weekly_digest(tx, schedule.community_id, due, core.digest_days)
            message = digest_message(settings.language, digest)
    try:
        message_id = await core.chat.post(schedule.community_id, schedule.channel_id, message)
    except ChatUnavailable as error:
        log.warning(
            "posting %s of schedule %s in %s failed, will retry: %s",
            week,
            schedule.id,
            schedule.community_id,
            error,
        )
        async with core.store.transaction() as tx:
            await tx.finish_occurrence(
                schedule.community_id,
                claim.id,
                ClaimStatus.CLAIMED,
                None,
                now,
                retry_at(core, claim.attempts, now),
            )
        return 0
    except ChatError as error:
        log.error(
            "posting %s of schedule %s in %s failed for good: %s",
            week,
            schedule.id,
            schedule.community_id,
            error,
        )
        async with core.store.transaction() as tx:
            await tx.finish_occurrence(
                schedule.community_id, claim.id, ClaimStatus.FAILED, None, now
            )
            settings = await core.settings(tx, schedule.community_id)
        await report_failure(
            core, schedule.community_id, settings.language, schedule.channel_id, error
        )
        return 0
    async with core.store.transaction() as tx:
        await tx.finish_occurrence(
            schedule.community_id, claim.id, ClaimStatus.POSTED, message_id, now
        )
    return 1


async def _post_pending_question(core: Core, question: Question, now: datetime) -> int:
    """A question the platform could not take when it was asked (or whose poster died)."""
    async with core.store.transaction() as tx:
        if not await tx.claim_question_post(question, now, core.claim_lease):
            return 0
        settings = await core.settings(tx, question.community_id)
    reply, posted = await post_question(core, settings, question, settings.language)
    if not posted:
        return 0
    if question.asker_id:
        # The asker was told it would come: now it has.
        try:
            await core.chat.send_private(question.community_id, question.asker_id, reply)
        except ChatError as error:
            log.info("could not tell the asker of question %s: %s", question.id, error)
    return 1


async def _announce_pending_resource(core: Core, resource: Resource, now: datetime) -> int:
    async with core.store.transaction() as tx:
        if not await tx.claim_resource_post(resource, now, core.claim_lease):
            return 0
        settings = await core.settings(tx, resource.community_id)
        names = await tx.member_names(resource.community_id, [resource.shared_by or ""])
    if not settings.resources_channel:
        async with core.store.transaction() as tx:
            await tx.set_resource_post(resource, None, None)  # the channel was unset meanwhile
        return 0
    await announce(core, settings, resource, names.get(resource.shared_by or "", ""))
    return 1


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

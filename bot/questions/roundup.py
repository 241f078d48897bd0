"""Nothing stays unanswered, quietly: reminders gathered into round-ups.

A help channel's round-up is due when one of its unanswered questions has waited the
reminder delay since it was asked (or since it was last in a round-up), and the channel
has had fewer than ``max_channel_posts_per_day`` round-ups that local day (the community's
zone), outside the community's quiet hours. It lists every unanswered question of the
channel that has waited the delay, oldest first; each listing counts as one of the
question's ``max_reminders`` rounds. Members who follow a listed question's topics are
told in one private round-up a day at most.

Each round-up is recorded under a unique key (community, channel or "@member", local day,
n) in the same unit of work as its deliveries, so exactly one instance queues it. It is
rendered when it is sent: a question answered meanwhile has left it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot import delivery
from bot.core import Core
from bot.delivery import ROUNDUP, Subject
from bot.domain import (
    CommunitySettings,
    Delivery,
    DeliveryAction,
    MarkKind,
    Question,
    QuestionStatus,
)
from bot.i18n import spans, t
from bot.localtime import local_day, next_midnight, quiet_until, zone_or
from bot.ports import ChatError, Transaction
from bot.replies import Line, Message, bold, message_link, plain

log = logging.getLogger(__name__)

ROUNDUP_MAX = 25  # questions listed in one round-up; the others wait for the next


def due_at(question: Question, settings: CommunitySettings) -> datetime:
    """When a question has waited the delay since it was asked, or last in a round-up."""
    return (question.reminded_at or question.created_at) + settings.reminder_delay


def _waiting(question: Question) -> bool:
    return (
        question.status is QuestionStatus.OPEN
        and question.first_answer_at is None
        and question.message_id is not None
    )


async def queue_roundups(core: Core, now: datetime) -> int:
    """Queue the round-ups due at ``now``; return how many channel posts were queued."""
    channels: dict[tuple[str, str], list[int]] = {}
    async with core.store.transaction() as tx:
        for question in await tx.questions.unanswered(now, core.max_reminders):
            settings = await core.settings(tx, question.community_id)
            if due_at(question, settings) <= now:
                channels.setdefault((question.community_id, question.channel_id), []).append(
                    question.id
                )
    queued = 0
    for (community_id, channel_id), question_ids in channels.items():
        queued += await _queue_roundup(core, community_id, channel_id, question_ids, now)
    return queued


async def _queue_roundup(
    core: Core, community_id: str, channel_id: str, question_ids: list[int], now: datetime
) -> int:
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, community_id)
        tz = zone_or(settings.timezone, "UTC")
        if quiet_until(core.quiet_hours, now, tz) > now:
            return 0  # the morning's round-up will list them
        day = local_day(now, tz)
        number = await tx.roundups.count(community_id, channel_id, day) + 1
        if number > core.max_channel_posts_per_day:
            return 0
        found = await tx.questions.by_ids(community_id, question_ids)
        listed = sorted(
            (
                q
                for q in found.values()
                if _waiting(q)
                and q.reminders_sent < core.max_reminders
                and due_at(q, settings) <= now
            ),
            key=lambda q: (q.created_at, q.id),
        )[:ROUNDUP_MAX]
        if not listed:
            return 0
        roundup_id = await tx.roundups.add(
            community_id, channel_id, day, number, [q.id for q in listed], now
        )
        if roundup_id is None:
            return 0  # another instance queued it
        for question in listed:
            await tx.questions.add_reminder(question, question.reminders_sent + 1, now)
        await delivery.post(
            core,
            tx,
            community_id,
            channel_id,
            f"roundup:{roundup_id}",
            subject=ROUNDUP,
            subject_id=roundup_id,
        )
        await _tell_followers(core, tx, settings, listed, now)
    return 1


async def _tell_followers(
    core: Core, tx: Transaction, settings: CommunitySettings, listed: list[Question], now: datetime
) -> None:
    """Members who declared a listed question's topics get one private round-up a day at most:
    never the asker, nor a member already asked privately about that question, nor one who
    paused their topics; one in their quiet hours hears at a later round-up."""
    community_id = settings.community_id
    wanted: dict[str, list[int]] = {}
    for question in listed:
        followers = await tx.communities.topic_followers(community_id, question.tags)
        asked = {r.member_id for r in await tx.routing.for_question(community_id, question.id)}
        for member_id in followers:
            if member_id != question.asker_id and member_id not in asked:
                wanted.setdefault(member_id, []).append(question.id)
    profiles = await tx.communities.profiles(community_id, wanted)
    for member_id, question_ids in wanted.items():
        profile = profiles.get(member_id)
        if profile is not None and profile.topics_paused:
            continue
        tz = zone_or(profile.timezone if profile else None, settings.timezone)
        if quiet_until(core.quiet_hours, now, tz) > now:
            continue
        day = local_day(now, tz)
        roundup_id = await tx.roundups.add(community_id, f"@{member_id}", day, 1, question_ids, now)
        if roundup_id is not None:  # else: told already today
            await delivery.private(
                core,
                tx,
                community_id,
                member_id,
                f"roundup:{roundup_id}",
                subject=ROUNDUP,
                subject_id=roundup_id,
            )


def roundup_message(
    language: str,
    questions: list[Question],
    me_too: dict[int, int],
    now: datetime,
    for_member: bool,
) -> Message:
    """The round-up: each question still waiting, oldest first, with its age, tags, me-too
    count and a link to it."""
    lines: list[Line] = [
        spans(
            language,
            "reminder.topics_intro" if for_member else "reminder.roundup_intro",
            count=len(questions),
        )
    ]
    for question in questions:
        hours = int((now - question.created_at).total_seconds() // 3600)
        line: list = [
            bold(f"Q{question.id}"),
            plain(" "),
            message_link(question.message_id or "", question.title),
            plain(" · "),
            *spans(language, "reminder.age", hours=hours),
        ]
        if question.tags:
            line.append(plain(" · " + " ".join(f"#{tag}" for tag in question.tags)))
        if me_too.get(question.id):
            line += [plain(" · "), *spans(language, "reminder.me_too", count=me_too[question.id])]
        lines.append(tuple(line))
    lines.append(spans(language, "reminder.how_to_help"))
    title = "reminder.topics_title" if for_member else "reminder.roundup_title"
    return Message(title=(bold(t(language, title)),), lines=tuple(lines))


async def _render_roundup(core: Core, tx: Transaction, queued: Delivery) -> Message | None:
    """The round-up as its questions are when it is sent: answered ones have left it."""
    roundup = await tx.roundups.get(queued.community_id, queued.subject_id or 0)
    if roundup is None:
        return None
    community_id = roundup.community_id
    found = await tx.questions.by_ids(community_id, roundup.question_ids)
    waiting = [found[i] for i in roundup.question_ids if i in found and _waiting(found[i])]
    if not waiting:
        return None
    settings = await core.settings(tx, community_id)
    for_member = roundup.route.startswith("@")
    language = (
        await core.member_language(tx, settings, roundup.route[1:])
        if for_member
        else settings.language
    )
    me_too = {
        q.id: await tx.marks.count(community_id, q.message_id or "", MarkKind.ME_TOO)
        for q in waiting
    }
    return roundup_message(language, waiting, me_too, core.clock.now(), for_member)


async def _roundup_refused(
    core: Core, tx: Transaction, refused: Delivery, error: ChatError
) -> None:
    if refused.action is DeliveryAction.POST:
        await delivery.report_failure(core, tx, refused, error)


ROUNDUP_POST = Subject(render=_render_roundup, refused=_roundup_refused)


async def next_roundup(core: Core, tx: Transaction, now: datetime) -> datetime | None:
    """When the next round-up can come: its first question due, out of the quiet hours, on
    a local day the channel still has room for one."""
    earliest: dict[tuple[str, str], datetime] = {}
    for question in await tx.questions.unanswered(
        datetime.max.replace(tzinfo=now.tzinfo), core.max_reminders
    ):
        settings = await core.settings(tx, question.community_id)
        key = (question.community_id, question.channel_id)
        due = due_at(question, settings)
        earliest[key] = min(earliest.get(key, due), due)
    found: list[datetime] = []
    for (community_id, channel_id), due in earliest.items():
        tz = zone_or((await core.settings(tx, community_id)).timezone, "UTC")
        moment = max(due, now)
        for _ in range(4):  # quiet hours, then a full day, then quiet hours again
            later = quiet_until(core.quiet_hours, moment, tz)
            day = local_day(later, tz)
            if await tx.roundups.count(community_id, channel_id, day) >= (
                core.max_channel_posts_per_day
            ):
                later = next_midnight(later, tz)
            if later == moment:
                break
            moment = later
        found.append(moment)
    return min(found) if found else None

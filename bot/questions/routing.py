"""Routing: a question left unanswered reaches, privately, members who can answer it.

Once a question has waited ``routing_after``, up to three members are asked. They are
chosen by topic, each question tag counting: a declared topic weighs 1; an answer of
theirs accepted (1) or found helpful (0.5) on a question with that tag, and a resource
they shared with it (0.5), weigh by recency (half of that after 30 days). A question
without tags routes to nobody. The rules hold at the moment of asking: never the asker;
nobody who paused their topics (``/entraide topics off``); nobody with a request left
unanswered from the last 24 h; at most ``routing_per_day`` requests a member a local day
(the database's slots keep that cap even when two instances route at once); nobody
inside their quiet hours, in their own zone (Slack gives it; elsewhere the community's):
the next candidate is asked instead, and the one skipped may be asked at a later tick if
the question still needs someone. *Not for me* asks the next candidate at once.

Routing goes on while the question waits, for ``ROUTING_WINDOW`` after it was asked; a
community's routing decisions are made one at a time (``tx.routing.lock``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import delivery
from bot.context import Context
from bot.core import Core
from bot.delivery import ROUTING, Subject
from bot.domain import (
    CommunitySettings,
    Delivery,
    Expertise,
    MemberProfile,
    Question,
    QuestionStatus,
    RequestStatus,
    RoutedRequest,
)
from bot.errors import UserError
from bot.i18n import spans, t
from bot.localtime import local_day, next_midnight, quiet_until, zone_or
from bot.ports import Transaction
from bot.questions.card import refresh_card
from bot.replies import Button, ButtonStyle, Line, Message, bold, italic, private
from bot.text import excerpt

log = logging.getLogger(__name__)

TAKE, DECLINE = "routing:take", "routing:decline"
ROUTED_PER_QUESTION = 3  # members asked and not declined, at most, for one question
ROUTING_WINDOW = timedelta(days=3)
PENDING_FOR = timedelta(hours=24)  # a request left unanswered this long holds its member back
HALF_LIFE = timedelta(days=30)
EXPERTISE_MEMORY = timedelta(days=180)  # older signs weigh less than 1/64: not read
DECLARED = 1.0
WEIGHTS = {"accepted": 1.0, "helpful": 0.5, "resource": 0.5}


def waiting(question: Question) -> bool:
    """Posted, open, and nobody has answered yet."""
    return (
        question.status is QuestionStatus.OPEN
        and question.first_answer_at is None
        and question.message_id is not None
    )


def scores(
    declared: dict[str, tuple[str, ...]], signs: list[Expertise], now: datetime
) -> dict[str, float]:
    """Each member's score for a question: declared topics plus inferred ones, by recency."""
    found = {member: DECLARED * len(topics) for member, topics in declared.items()}
    for sign in signs:
        age = max(timedelta(0), now - sign.at)
        weight = WEIGHTS.get(sign.kind, 0.0) * 0.5 ** (age / HALF_LIFE)
        found[sign.member_id] = found.get(sign.member_id, 0.0) + weight
    return found


async def ranked(tx: Transaction, question: Question, now: datetime) -> list[str]:
    """Who knows the question's topics, best first (ties by member id)."""
    community_id = question.community_id
    declared = await tx.communities.topic_followers(community_id, question.tags)
    signs = await tx.routing.expertise(community_id, question.tags, now - EXPERTISE_MEMORY)
    found = scores(declared, signs, now)
    return sorted((m for m, s in found.items() if s > 0), key=lambda m: (-found[m], m))


async def _candidates(tx: Transaction, question: Question, now: datetime) -> tuple[int, list[str]]:
    """How many more members the question needs, and who may be asked, best first."""
    requests = await tx.routing.for_question(question.community_id, question.id)
    needed = ROUTED_PER_QUESTION - sum(r.status is not RequestStatus.DECLINED for r in requests)
    asked = {r.member_id for r in requests}
    candidates = [
        m for m in await ranked(tx, question, now) if m != question.asker_id and m not in asked
    ]
    return needed, candidates


def available_from(
    core: Core, tz: ZoneInfo, theirs: list[RoutedRequest], now: datetime
) -> datetime:
    """When the rules let a member be asked, given their recent requests: ``now``, or when
    their quiet hours end, their unanswered request stops holding them back, or their local
    day has room again (whichever is last; another rule may then hold them still)."""
    bounds = [now, quiet_until(core.quiet_hours, now, tz)]
    bounds += [
        r.asked_at + PENDING_FOR
        for r in theirs
        if r.status is RequestStatus.ASKED and now - r.asked_at < PENDING_FOR
    ]
    if sum(r.day == local_day(now, tz) for r in theirs) >= core.routing_per_day:
        bounds.append(next_midnight(now, tz))
    return max(bounds)


def _availability(
    core: Core,
    settings: CommunitySettings,
    candidates: list[str],
    recent: list[RoutedRequest],
    profiles: dict[str, MemberProfile],
    now: datetime,
) -> dict[str, tuple[ZoneInfo, datetime]]:
    """Each candidate's zone and :func:`available_from`, given the community's recent
    requests (members who paused their topics are left out)."""
    found = {}
    for member_id in candidates:
        profile = profiles.get(member_id)
        if profile is not None and profile.topics_paused:
            continue
        tz = zone_or(profile.timezone if profile else None, settings.timezone)
        theirs = [r for r in recent if r.member_id == member_id]
        found[member_id] = (tz, available_from(core, tz, theirs, now))
    return found


def _recent_since(now: datetime) -> datetime:
    # A local day is at most 25 h long: this covers every request of anyone's today.
    return now - timedelta(hours=26)


async def route(
    core: Core, tx: Transaction, settings: CommunitySettings, question: Question, now: datetime
) -> int:
    """Ask the next candidates until the question has its members; return how many were asked.

    The caller holds the community's routing turn (``tx.routing.lock``)."""
    if not question.tags or core.routing_per_day <= 0 or not waiting(question):
        return 0
    community_id = question.community_id
    needed, candidates = await _candidates(tx, question, now)
    if needed <= 0 or not candidates:
        return 0
    recent = await tx.routing.since(community_id, _recent_since(now))
    profiles = await tx.communities.profiles(community_id, candidates)
    availability = _availability(core, settings, candidates, recent, profiles, now)
    sent = 0
    for member_id, (tz, available) in availability.items():
        if sent == needed:
            break
        if available > now:
            continue
        day = local_day(now, tz)
        today = sum(r.day == day and r.member_id == member_id for r in recent)
        request = await tx.routing.add(community_id, question.id, member_id, day, today + 1, now)
        if request is None:
            continue  # that slot was just taken: the cap holds
        await delivery.private(
            core,
            tx,
            community_id,
            member_id,
            f"routing:{request.id}",
            subject=ROUTING,
            subject_id=request.id,
        )
        recent.append(request)
        sent += 1
    return sent


async def route_waiting(core: Core, now: datetime) -> int:
    """Route every question that has waited ``routing_after``; return how many were asked."""
    async with core.store.transaction() as tx:
        found = await tx.questions.awaiting(now - ROUTING_WINDOW, now - core.routing_after)
        by_community: dict[str, list[int]] = {}
        for question in found:
            if question.tags:
                by_community.setdefault(question.community_id, []).append(question.id)
        wanted: dict[str, list[int]] = {}
        for community_id, ids in by_community.items():
            active = await tx.routing.active_counts(community_id, ids)
            wanted[community_id] = [i for i in ids if active.get(i, 0) < ROUTED_PER_QUESTION]
    asked = 0
    for community_id, ids in wanted.items():
        if not ids:
            continue
        async with core.store.transaction() as tx:
            await tx.routing.lock(community_id)
            settings = await core.settings(tx, community_id)
            questions = await tx.questions.by_ids(community_id, ids)
            for question_id in ids:
                if question_id in questions:
                    asked += await route(core, tx, settings, questions[question_id], now)
    return asked


async def next_routing(core: Core, tx: Transaction, now: datetime) -> datetime | None:
    """When routing may ask someone next: a question reaching ``routing_after``, or, for a
    question that still needs members, the first moment one of its candidates is no longer
    held back by the rules (:func:`available_from`)."""
    if core.routing_per_day <= 0:
        return None
    found: list[datetime] = []
    questions = await tx.questions.awaiting(
        now - ROUTING_WINDOW, datetime.max.replace(tzinfo=now.tzinfo)
    )
    by_community: dict[str, list[Question]] = {}
    for question in questions:
        if question.tags and waiting(question):
            by_community.setdefault(question.community_id, []).append(question)
    for community_id, listed in by_community.items():
        active = await tx.routing.active_counts(community_id, [q.id for q in listed])
        held: list[tuple[Question, list[str]]] = []  # questions that need someone, and who
        for question in listed:
            due = question.created_at + core.routing_after
            if due > now:
                found.append(due)
            elif active.get(question.id, 0) < ROUTED_PER_QUESTION:
                needed, candidates = await _candidates(tx, question, now)
                if needed > 0 and candidates:
                    held.append((question, candidates))
        if not held:
            continue
        settings = await core.settings(tx, community_id)
        recent = await tx.routing.since(community_id, _recent_since(now))
        everyone = sorted({m for _, candidates in held for m in candidates})
        profiles = await tx.communities.profiles(community_id, everyone)
        for question, candidates in held:
            availability = _availability(core, settings, candidates, recent, profiles, now)
            # A candidate free now is asked by the tick at ``now``; one after the question's
            # window never is.
            ends = question.created_at + ROUTING_WINDOW
            found += [a for _, a in availability.values() if now < a <= ends]
    return min(found) if found else None


def request_message(language: str, question: Question, request_id: int, now: datetime) -> Message:
    hours = int((now - question.created_at).total_seconds() // 3600)
    lines: list[Line] = [(bold(question.title),)]
    if question.details:
        lines.append((italic(excerpt(question.details)),))
    lines.append(
        spans(language, "question.tags", tags=" ".join(f"#{tag}" for tag in question.tags))
    )
    lines.append(spans(language, "routing.why", hours=hours))
    lines.append(spans(language, "routing.how"))
    return Message(
        title=(bold(t(language, "routing.title", number=question.id)),),
        lines=tuple(lines),
        buttons=(
            Button(t(language, "button.take"), TAKE, str(request_id), ButtonStyle.PRIMARY),
            Button(t(language, "button.decline"), DECLINE, str(request_id)),
        ),
        refers_to=question.message_id,
    )


async def _render_request(core: Core, tx: Transaction, queued: Delivery) -> Message | None:
    """The request as the question is when it is sent: none once someone answered."""
    request = await tx.routing.get(queued.community_id, queued.subject_id or 0)
    if request is None:
        return None
    question = await tx.questions.get(request.community_id, request.question_id)
    if question is None or not waiting(question):
        return None
    settings = await core.settings(tx, request.community_id)
    language = await core.member_language(tx, settings, request.member_id)
    return request_message(language, question, request.id, core.clock.now())


ROUTING_REQUEST = Subject(render=_render_request)


async def _own_request(ctx: Context, request_id: int):
    request = await ctx.tx.routing.get(ctx.community_id, request_id)
    if request is None or request.member_id != ctx.actor.member_id:
        raise UserError("error.not_your_request")
    question = await ctx.tx.questions.get(ctx.community_id, request.question_id)
    if question is None:
        raise UserError("error.unknown_question")
    return request, question


async def take(ctx: Context, request_id: int) -> Message:
    """*I'll take it*: the card says who is looking at the question until it is answered."""
    request, question = await _own_request(ctx, request_id)
    if not waiting(question):
        return private(spans(ctx.language, "routing.no_longer_waiting", number=question.id))
    if await ctx.tx.routing.respond(ctx.community_id, request.id, RequestStatus.TAKEN, ctx.now):
        await refresh_card(ctx.core, ctx.tx, question)
    return private(spans(ctx.language, "routing.taken", number=question.id))


async def decline(ctx: Context, request_id: int) -> Message:
    """*Not for me*: the next candidate is asked at once."""
    request, question = await _own_request(ctx, request_id)
    if await ctx.tx.routing.respond(ctx.community_id, request.id, RequestStatus.DECLINED, ctx.now):
        if request.status is RequestStatus.TAKEN:
            await refresh_card(ctx.core, ctx.tx, question)  # nobody is looking at it any more
        if waiting(question):
            await ctx.tx.routing.lock(ctx.community_id)
            await route(ctx.core, ctx.tx, ctx.settings, question, ctx.now)
    return private(spans(ctx.language, "routing.declined", number=question.id))

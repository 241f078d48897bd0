"""Recognition and health: the weekly digest and ``/entraide stats``, computed from the store."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.context import Context
from bot.domain import PracticeShare, Question, Resource
from bot.i18n import spans, t
from bot.ports import Transaction
from bot.questions import closing
from bot.replies import Line, Message, Span, bold, italic, link, mention, plain
from bot.schedule import zone
from bot.text import excerpt
from bot.urls import display_url

ACTIVE_DAYS = 30
TOP_HELPERS = 5


def median_first_answer(questions: list[Question]) -> timedelta | None:
    delays = [q.first_answer_at - q.created_at for q in questions if q.first_answer_at is not None]
    return statistics.median(delays) if delays else None


@dataclass(frozen=True)
class Digest:
    start: datetime
    end: datetime
    asked: int
    resolved: int
    median_first_answer: timedelta | None
    helpers: tuple[str, ...]  # member ids, in name order: thanks, not a ranking
    resources: tuple[Resource, ...]
    shares: tuple[PracticeShare, ...]
    names: dict[str, str]

    @property
    def empty(self) -> bool:
        return not (self.asked or self.resolved or self.helpers or self.resources or self.shares)


async def weekly_digest(tx: Transaction, community_id: str, end: datetime, days: int = 7) -> Digest:
    """What happened in the ``days`` before ``end``."""
    start = end - timedelta(days=days)
    asked = await tx.questions.asked_between(community_id, start, end)
    resolved = await tx.questions.resolved_between(community_id, start, end)
    credits = await tx.reports.credits(community_id, since=start)
    helper_ids = [m for m, c in credits.items() if c["helpful"] or c["accepted"]]
    resources = await tx.resources.between(community_id, start, end)
    shares = await tx.practice.shares_between(community_id, start, end)
    names = await tx.communities.member_names(
        community_id,
        [
            *helper_ids,
            *(r.shared_by for r in resources if r.shared_by),
            *(s.author_id for s in shares if s.author_id),
        ],
    )
    return Digest(
        start=start,
        end=end,
        asked=len(asked),
        resolved=len(resolved),
        median_first_answer=median_first_answer(asked),
        helpers=tuple(sorted(helper_ids, key=lambda m: names.get(m, m).casefold())),
        resources=tuple(resources),
        shares=tuple(shares),
        names=names,
    )


@dataclass(frozen=True)
class Health:
    month_start: datetime
    asked: int
    answered: int
    median_first_answer: timedelta | None
    top_helpers: tuple[tuple[str, int], ...]  # (member id, helpful + accepted), best first
    active_members: int
    names: dict[str, str]

    @property
    def answered_percent(self) -> int:
        return round(100 * self.answered / self.asked) if self.asked else 0


async def community_health(
    tx: Transaction, community_id: str, month_start: datetime, now: datetime
) -> Health:
    asked = await tx.questions.asked_between(community_id, month_start, now + timedelta(seconds=1))
    credits = await tx.reports.credits(community_id, since=month_start)
    scored = sorted(
        (
            (m, c["helpful"] + c["accepted"])
            for m, c in credits.items()
            if c["helpful"] or c["accepted"]
        ),
        key=lambda item: (-item[1], item[0]),
    )[:TOP_HELPERS]
    return Health(
        month_start=month_start,
        asked=len(asked),
        answered=sum(1 for q in asked if q.first_answer_at is not None),
        median_first_answer=median_first_answer(asked),
        top_helpers=tuple(scored),
        active_members=await tx.reports.active_members(
            community_id, now - timedelta(days=ACTIVE_DAYS)
        ),
        names=await tx.communities.member_names(community_id, [m for m, _ in scored]),
    )


def format_duration(language: str, delay: timedelta | None) -> str:
    if delay is None:
        return "—"
    minutes = int(delay.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours == 0:
        return t(language, "duration.minutes", minutes=minutes)
    if hours < 48:
        return t(language, "duration.hours", hours=hours, minutes=f"{minutes:02d}")
    return t(language, "duration.days", days=hours // 24, hours=hours % 24)


def digest_message(language: str, digest: Digest) -> Message:
    def who(member_id: str | None) -> Span:
        return mention(member_id, digest.names.get(member_id, "")) if member_id else plain("?")

    lines: list[Line] = [
        spans(language, "digest.questions", asked=digest.asked, resolved=digest.resolved),
        spans(
            language, "digest.median", delay=format_duration(language, digest.median_first_answer)
        ),
    ]
    if digest.helpers:
        thanks: list[Span] = []
        for index, member_id in enumerate(digest.helpers):
            thanks += [plain(", ")] if index else []
            thanks.append(who(member_id))
        lines.append((*spans(language, "digest.thanks"), *thanks))
    if digest.resources:
        lines.append(spans(language, "digest.resources", count=len(digest.resources)))
        lines += [
            (plain("• "), link(r.url, display_url(r.url)), plain(" — "), who(r.shared_by))
            for r in digest.resources[:10]
        ]
    if digest.shares:
        lines.append(spans(language, "digest.shares", count=len(digest.shares)))
        lines += [
            (plain("• "), who(s.author_id), plain(": "), italic(excerpt(s.text, 200)))
            for s in digest.shares[:10]
        ]
    if digest.empty:
        lines.append(spans(language, "digest.quiet"))
    return Message(title=(bold(t(language, "digest.title")),), lines=tuple(lines))


def health_message(language: str, health: Health) -> Message:
    lines: list[Line] = [
        spans(language, "stats.questions", count=health.asked, percent=health.answered_percent),
        spans(
            language, "stats.median", delay=format_duration(language, health.median_first_answer)
        ),
        spans(language, "stats.active", count=health.active_members, days=ACTIVE_DAYS),
    ]
    if health.top_helpers:
        lines.append(spans(language, "stats.top_helpers"))
        lines += [
            (
                plain(f"{rank}. "),
                mention(member_id, health.names.get(member_id, "")),
                plain(f" ({score})"),
            )
            for rank, (member_id, score) in enumerate(health.top_helpers, start=1)
        ]
    return Message(title=(bold(t(language, "stats.title")),), lines=tuple(lines), private=True)


async def stats(ctx: Context) -> Message:
    """``/entraide stats``: this month, in the community's time zone."""
    local = ctx.now.astimezone(zone(ctx.settings.timezone))
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    health = await community_health(ctx.tx, ctx.community_id, month_start, ctx.now)
    message = health_message(ctx.language, health)
    closed = await closing.reason_lines(ctx, month_start)
    return replace(message, lines=message.lines + tuple(closed))

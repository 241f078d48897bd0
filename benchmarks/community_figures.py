"""What the community benchmark (``community.py``) reads off a run and prints: the figures
of one run (``measure``), then the two runs side by side and one PASS/FAIL line per
target (``report``).
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta

from community_model import (
    COMMUNITY,
    HELP,
    START,
    TARGET_POSTS_PER_WEEK,
    TARGET_ROUTED_PER_DAY,
    ZONE,
    RecordingChat,
    Sent,
)

from bot.questions.answers import ACCEPT
from storage.store import Store


async def measure(store: Store, chat: RecordingChat, days: int) -> dict:
    async with store.transaction() as tx:
        questions = await tx.questions.all(COMMUNITY)
        routed = await tx.routing.since(COMMUNITY, START)
    delays = [q.first_answer_at - q.created_at for q in questions if q.first_answer_at]
    within = sum(d <= timedelta(hours=24) for d in delays)
    accepted = sum(q.accepted_answer_id is not None for q in questions)
    top = [s for s in chat.sent if s.channel == HELP]
    raised = [s for s in top if s.message.status is None]  # not a question's card
    weeks = max(1, -(-days // 7))

    def per_week(sent: list[Sent]) -> list[int]:
        counts = Counter(
            min(weeks - 1, (s.at - START).days // 7)
            for s in sent
            if s.at - START < timedelta(days=weeks * 7)
        )
        return [counts.get(week, 0) for week in range(weeks)]

    private = Counter((s.member, s.at.astimezone(ZONE).date()) for s in chat.sent if s.member)
    # What the loop itself sends (reminders' private copies, topic round-ups, requests,
    # nudges), apart from the answers an anonymous asker is told about one by one.
    prompted = Counter(
        (s.member, s.at.astimezone(ZONE).date())
        for s in chat.sent
        if s.member and [b.action for b in s.message.buttons] != [ACCEPT]
    )
    routed_days = Counter((r.member_id, r.day) for r in routed)
    return {
        "questions": len(questions),
        "answered_24h": 100 * within / len(questions),
        "accepted": 100 * accepted / len(questions),
        "median_first": statistics.median(delays) if delays else None,
        "raised_per_week": per_week(raised),
        "top_per_week": per_week(top),
        "max_private_day": max(private.values(), default=0),
        "max_prompted_day": max(prompted.values(), default=0),
        "max_routed_day": max(routed_days.values(), default=0),
        "routed": len(routed),
        "private": sum(private.values()),
    }


def hours(delay: timedelta | None) -> str:
    if delay is None:
        return "—"
    minutes = int(delay.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d}"


def report(today: dict, loop: dict) -> bool:
    rows = [
        ("questions asked", f"{today['questions']}", f"{loop['questions']}"),
        ("answered within 24 h", f"{today['answered_24h']:.0f}%", f"{loop['answered_24h']:.0f}%"),
        ("accepted", f"{today['accepted']:.0f}%", f"{loop['accepted']:.0f}%"),
        (
            "median time to a first answer",
            hours(today["median_first"]),
            hours(loop["median_first"]),
        ),
        (
            "reminder posts in #help, per week",
            " ".join(map(str, today["raised_per_week"])),
            " ".join(map(str, loop["raised_per_week"])),
        ),
        (
            "all bot posts in #help, per week",
            " ".join(map(str, today["top_per_week"])),
            " ".join(map(str, loop["top_per_week"])),
        ),
        ("private messages, all members", f"{today['private']}", f"{loop['private']}"),
        (
            "most private messages, one member, one day",
            f"{today['max_private_day']}",
            f"{loop['max_private_day']}",
        ),
        (
            "…of reminders, requests and nudges",
            f"{today['max_prompted_day']}",
            f"{loop['max_prompted_day']}",
        ),
        (
            "routed requests (most to one member a day)",
            f"{today['routed']} ({today['max_routed_day']})",
            f"{loop['routed']} ({loop['max_routed_day']})",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'today (reminders)':>20}  {'loop':>20}")
    for label, before, after in rows:
        print(f"{label:{width}}  {before:>20}  {after:>20}")
    print()
    checks = [
        (
            f"help-channel posts from reminders at most {TARGET_POSTS_PER_WEEK} a week",
            max(loop["raised_per_week"]) <= TARGET_POSTS_PER_WEEK,
            f"at most {max(loop['raised_per_week'])} (today: {max(today['raised_per_week'])})",
        ),
        (
            f"no member over {TARGET_ROUTED_PER_DAY} routed requests a day",
            loop["max_routed_day"] <= TARGET_ROUTED_PER_DAY,
            f"at most {loop['max_routed_day']}",
        ),
        (
            "accepted share up on the same script",
            loop["accepted"] > today["accepted"],
            f"{today['accepted']:.0f}% → {loop['accepted']:.0f}%",
        ),
    ]
    for label, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}: {detail}")
    return all(ok for _, ok, _ in checks)

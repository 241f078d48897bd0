"""Weekly occurrences in a community's time zone, as pure functions of a schedule and an instant.

An occurrence is identified by the ISO week of its local date, which is what the
database's unique key holds: a week can never be posted twice. Local times that
do not exist (spring forward) are posted just after the gap; local times that
happen twice (fall back) are posted at the first of the two.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import UserError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError("error.bad_timezone", zone=name[:64]) from None


def parse_weekday(text: str) -> int:
    word = text.strip().lower()
    for names in (WEEKDAYS, WEEKDAYS_FR):
        for index, name in enumerate(names):
            if len(word) >= 3 and name.startswith(word):
                return index
    raise UserError("error.bad_weekday", day=text[:20])


def parse_time(text: str) -> str:
    """``9:30``, ``09:30`` or ``9h30`` → ``"09:30"``."""
    match = re.fullmatch(r"(\d{1,2})[:h](\d{2})", text.strip().lower())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise UserError("error.bad_time", time=text[:20])
    return f"{int(match[1]):02d}:{match[2]}"


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _instant(day: date, local_time: str, tz: ZoneInfo) -> datetime:
    # fold=0: in a gap this maps to the instant just after it, in an overlap to the first one.
    return datetime.combine(day, time.fromisoformat(local_time), tzinfo=tz).astimezone(UTC)


def latest_occurrence(
    weekday: int, local_time: str, timezone: str, now: datetime
) -> tuple[str, datetime]:
    """The most recent occurrence at or before ``now``: (ISO week key, UTC instant)."""
    tz = zone(timezone)
    local_today = now.astimezone(tz).date()
    day = local_today - timedelta(days=(local_today.weekday() - weekday) % 7)
    due = _instant(day, local_time, tz)
    if due > now:
        day -= timedelta(days=7)
        due = _instant(day, local_time, tz)
    return week_key(day), due


def next_occurrence(
    weekday: int, local_time: str, timezone: str, now: datetime
) -> tuple[str, datetime]:
    """The first occurrence strictly after ``now``."""
    tz = zone(timezone)
    local_today = now.astimezone(tz).date()
    day = local_today + timedelta(days=(weekday - local_today.weekday()) % 7)
    due = _instant(day, local_time, tz)
    if due <= now:
        day += timedelta(days=7)
        due = _instant(day, local_time, tz)
    return week_key(day), due

"""Local days and quiet hours in a member's or a community's time zone, as pure functions.

Caps that count "per day" (round-ups per channel, routed requests per member, topic
reminders per member) count local days, and what the question loop sends (round-ups,
requests to help, nudges) is not sent inside the quiet hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def zone_or(name: str | None, fallback: str) -> ZoneInfo:
    """The zone ``name`` when it is a known IANA zone (a platform may send anything), else
    ``fallback`` (the community's), else UTC."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_day(moment: datetime, tz: ZoneInfo) -> str:
    """The local date of ``moment``, ``"2026-11-23"``: what per-day caps count."""
    return moment.astimezone(tz).date().isoformat()


def next_midnight(moment: datetime, tz: ZoneInfo) -> datetime:
    """The first instant of the next local day, in UTC."""
    tomorrow = moment.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class QuietHours:
    """A nightly window, ``21:00-08:00`` (it may wrap around midnight), in local time."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """``"21:00-08:00"``; ``""`` or ``"off"`` means none. Raises ValueError otherwise."""
        if text.strip().lower() in ("", "off", "none"):
            return None
        match = _RANGE.match(text)
        if not match:
            raise ValueError("must look like 21:00-08:00, or be off")
        hours = [int(match[1]), int(match[2]), int(match[3]), int(match[4])]
        if hours[0] > 23 or hours[2] > 23 or hours[1] > 59 or hours[3] > 59:
            raise ValueError("must look like 21:00-08:00, or be off")
        start, end = time(hours[0], hours[1]), time(hours[2], hours[3])
        return None if start == end else cls(start, end)

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        now = moment.astimezone(tz).time()
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def end_after(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """``moment`` if it is outside the window, else the instant the window ends (UTC)."""
        if not self.contains(moment, tz):
            return moment
        local = moment.astimezone(tz)
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=tz).astimezone(UTC)


def quiet_until(quiet: QuietHours | None, moment: datetime, tz: ZoneInfo) -> datetime:
    """When something held back by the quiet hours may go: ``moment`` outside them."""
    return quiet.end_after(moment, tz) if quiet is not None else moment

"""Local days and quiet hours, as pure functions of an instant and a zone (DST included)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.localtime import QuietHours, local_day, next_midnight, zone_or

PARIS = ZoneInfo("Europe/Paris")
NIGHT = QuietHours(time(21), time(8))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("21:00-08:00", NIGHT),
        (" 9:30 - 12:00 ", QuietHours(time(9, 30), time(12))),
        ("off", None),
        ("", None),
        ("08:00-08:00", None),
    ],
)
def test_quiet_hours_are_read_from_the_setting(text, expected):
    assert QuietHours.parse(text) == expected


@pytest.mark.parametrize("text", ["21-08", "25:00-08:00", "21:00-08:61", "night"])
def test_a_malformed_window_is_refused(text):
    with pytest.raises(ValueError):
        QuietHours.parse(text)


@pytest.mark.parametrize(
    "moment, quiet, ends",
    [
        (utc(2026, 11, 23, 19, 59), False, utc(2026, 11, 23, 19, 59)),  # 20:59 in Paris
        (utc(2026, 11, 23, 20, 0), True, utc(2026, 11, 24, 7, 0)),  # 21:00: until 08:00
        (utc(2026, 11, 24, 3, 0), True, utc(2026, 11, 24, 7, 0)),  # after midnight
        (utc(2026, 11, 24, 7, 0), False, utc(2026, 11, 24, 7, 0)),  # 08:00: over
        # The spring-forward night (29 March 2026): 08:00 CEST is 06:00 UTC.
        (utc(2026, 3, 28, 23, 0), True, utc(2026, 3, 29, 6, 0)),
        # The fall-back night (25 October 2026): 08:00 CET is 07:00 UTC.
        (utc(2026, 10, 24, 22, 0), True, utc(2026, 10, 25, 7, 0)),
    ],
)
def test_quiet_hours_in_a_zone_and_when_they_end(moment, quiet, ends):
    assert NIGHT.contains(moment, PARIS) is quiet
    assert NIGHT.end_after(moment, PARIS) == ends


def test_a_window_within_a_day():
    lunch = QuietHours(time(12), time(14))
    assert lunch.contains(utc(2026, 11, 23, 13, 0), ZoneInfo("UTC"))
    assert not lunch.contains(utc(2026, 11, 23, 14, 0), ZoneInfo("UTC"))


def test_local_days_and_midnights():
    late = utc(2026, 11, 23, 23, 30)  # 00:30 on the 24th in Paris
    assert (
        local_day(late, PARIS) == "2026-11-24" and local_day(late, ZoneInfo("UTC")) == "2026-11-23"
    )
    assert next_midnight(late, PARIS) == utc(2026, 11, 24, 23, 0)


def test_an_unknown_zone_falls_back_to_the_communitys():
    assert zone_or("Mars/Base", "Europe/Paris") == PARIS
    assert zone_or(None, "Europe/Paris") == PARIS
    assert zone_or("Asia/Tokyo", "Europe/Paris") == ZoneInfo("Asia/Tokyo")
    assert zone_or("nowhere", "") == ZoneInfo("UTC")

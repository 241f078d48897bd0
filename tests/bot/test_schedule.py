"""Weekly occurrences in the community's zone, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserError
from bot.schedule import latest_occurrence, next_occurrence, parse_time, parse_weekday


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    "zone, weekday, local, now, week, due",
    [
        # Paris, Monday 09:30: winter (UTC+1) and summer (UTC+2).
        ("Europe/Paris", 0, "09:30", utc(2026, 1, 5, 12), "2026-W02", utc(2026, 1, 5, 8, 30)),
        ("Europe/Paris", 0, "09:30", utc(2026, 7, 6, 12), "2026-W28", utc(2026, 7, 6, 7, 30)),
        # The Monday after the spring change (29 March 2026) keeps 09:30 local.
        ("Europe/Paris", 0, "09:30", utc(2026, 3, 30, 12), "2026-W14", utc(2026, 3, 30, 7, 30)),
        # Sunday 02:30 on the spring-forward day does not exist: posted just after the gap (03:30).
        ("Europe/Paris", 6, "02:30", utc(2026, 3, 29, 12), "2026-W13", utc(2026, 3, 29, 1, 30)),
        # Sunday 02:30 on the fall-back day happens twice: posted at the first one only.
        ("Europe/Paris", 6, "02:30", utc(2026, 10, 25, 12), "2026-W43", utc(2026, 10, 25, 0, 30)),
        # New York changes on other dates (8 March, 1 November 2026).
        ("America/New_York", 0, "09:30", utc(2026, 3, 9, 18), "2026-W11", utc(2026, 3, 9, 13, 30)),
        ("America/New_York", 0, "09:30", utc(2026, 3, 2, 18), "2026-W10", utc(2026, 3, 2, 14, 30)),
        ("America/New_York", 6, "01:30", utc(2026, 11, 1, 12), "2026-W44", utc(2026, 11, 1, 5, 30)),
        # Just before the time: last week's occurrence.
        ("Europe/Paris", 0, "09:30", utc(2026, 1, 5, 8, 29), "2026-W01", utc(2025, 12, 29, 8, 30)),
        # Local date differs from the UTC date: Tokyo's Monday 08:00 is Sunday 23:00 UTC.
        ("Asia/Tokyo", 0, "08:00", utc(2026, 1, 4, 23, 30), "2026-W02", utc(2026, 1, 4, 23, 0)),
    ],
)
def test_latest_occurrence(zone, weekday, local, now, week, due):
    assert latest_occurrence(weekday, local, zone, now) == (week, due)


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Australia/Sydney", "UTC"])
@pytest.mark.parametrize("local", ["09:30", "02:30", "01:30", "23:59"])
def test_a_year_of_weeks_has_one_occurrence_each_never_skipped_never_twice(zone, local):
    now = utc(2026, 1, 1)
    weeks = []
    for _ in range(53):
        week, due = next_occurrence(6, local, zone, now)
        assert due > now
        weeks.append(week)
        now = due
    assert len(set(weeks)) == 53
    # Consecutive ISO weeks: no week was skipped.
    dates = [datetime.strptime(w + "-7", "%G-W%V-%u") for w in weeks]
    assert all(b - a == timedelta(days=7) for a, b in zip(dates, dates[1:], strict=False))


def test_the_host_zone_never_matters(monkeypatch):
    import time

    expected = latest_occurrence(0, "09:30", "Europe/Paris", utc(2026, 7, 6, 12))
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    try:
        assert latest_occurrence(0, "09:30", "Europe/Paris", utc(2026, 7, 6, 12)) == expected
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_days_and_times_in_both_languages():
    assert parse_weekday("Monday") == parse_weekday("lundi") == parse_weekday("mon") == 0
    assert parse_weekday("ven") == 4
    assert parse_time("9h30") == parse_time("09:30") == "09:30"
    for bad in ("25:00", "9", "noon"):
        with pytest.raises(UserError):
            parse_time(bad)
    with pytest.raises(UserError):
        parse_weekday("someday")

"""Practice sharing: schedules, their weekly occurrences, the community's own prompts, shares."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain import Occurrence, OccurrenceStatus, PracticeShare, Schedule, ScheduleKind


class Practice(Protocol):
    async def set_schedule(
        self,
        community_id: str,
        kind: ScheduleKind,
        channel_id: str,
        weekday: int,
        local_time: str,
        timezone: str,
        now: datetime,
    ) -> None:
        """Schedule a kind of post in a channel, or move the one there to this day and time."""

    async def remove_schedule(self, community_id: str, kind: ScheduleKind, channel_id: str) -> bool:
        """Stop a schedule; False if the channel had none of that kind."""

    async def schedules(self, community_id: str | None = None) -> list[Schedule]:
        """The schedules of one community, or of all (what the scheduler looks at)."""

    async def known_weeks(
        self, schedule_ids: Sequence[int], weeks: Sequence[str]
    ) -> set[tuple[int, str]]:
        """Which of these (schedule, week) occurrences are recorded already."""

    async def add_occurrence(
        self,
        schedule: Schedule,
        week: str,
        due_at: datetime,
        now: datetime,
        status: OccurrenceStatus,
        prompt_id: str | None = None,
    ) -> int | None:
        """Record one week of a schedule; None when it is recorded already. The unique key
        (schedule, week) makes exactly one of racing instances record it, and so queue it."""

    async def occurrence(self, community_id: str, occurrence_id: int) -> Occurrence | None:
        """An occurrence with its schedule's kind; None once its schedule was removed."""

    async def used_prompt_ids(self, community_id: str, channel_id: str) -> list[str]:
        """Prompts already posted (or queued) in a channel, oldest first."""

    async def occurrence_by_message(
        self, community_id: str, message_id: str
    ) -> tuple[int, str | None] | None:
        """The (occurrence id, prompt id) whose prompt post is ``message_id``; a digest is none."""

    async def add_custom_prompt(
        self,
        community_id: str,
        prompt_id: str,
        theme: str,
        language: str,
        text: str,
        author_id: str,
        now: datetime,
    ) -> None:
        """Keep a prompt of the community's own."""

    async def custom_prompts(self, community_id: str) -> list[tuple[str, str, str, str]]:
        """(prompt id, theme, language, text) of a community's own prompts, oldest first."""

    async def add_share(
        self,
        community_id: str,
        occurrence_id: int,
        author_id: str,
        text: str,
        message_id: str,
        now: datetime,
    ) -> PracticeShare | None:
        """Record a reply in a prompt's thread; None when that message was already recorded."""

    async def shares_between(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[PracticeShare]:
        """Practice shares made in [start, end), oldest first, with their prompt."""

    async def shares_by_ids(
        self, community_id: str, ids: Sequence[int]
    ) -> dict[int, PracticeShare]:
        """The shares with these ids; unknown ids are left out."""

    async def all_shares(self, community_id: str) -> list[PracticeShare]:
        """Every practice share of the community, oldest first."""

"""Communities and their members: settings, display names, locales, zones, declared topics."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from bot.domain import CommunitySettings, MemberProfile


class Communities(Protocol):
    async def settings(self, defaults: CommunitySettings, now: datetime) -> CommunitySettings:
        """The community's settings, created from ``defaults`` the first time it is seen.

        Every other record of a community refers to it: this runs first in a unit of work.
        """

    async def save_settings(self, settings: CommunitySettings) -> None:
        """Replace the community's settings (an organiser changed them)."""

    async def ids(self) -> list[str]:
        """Every community's id, in order (exports)."""

    async def see_member(
        self,
        community_id: str,
        member_id: str,
        name: str,
        now: datetime,
        locale: str | None = None,
        timezone: str | None = None,
    ) -> None:
        """Remember a member's display name, locale, time zone and last activity. An empty
        name, no locale or no zone keeps the one known; it MAY skip the write when nothing
        changed lately."""

    async def member_locale(self, community_id: str, member_id: str) -> str | None:
        """The locale the platform last gave for a member, if any."""

    async def member_names(self, community_id: str, member_ids: Iterable[str]) -> dict[str, str]:
        """The known display names of these members; members never seen are left out."""

    async def add_topics(self, community_id: str, member_id: str, topics: Sequence[str]) -> None:
        """Declare topics a member wants to hear about; one already declared stays once."""

    async def remove_topics(self, community_id: str, member_id: str, topics: Sequence[str]) -> None:
        """Drop topics a member declared; unknown ones are ignored."""

    async def topics(self, community_id: str, member_id: str) -> list[str]:
        """A member's declared topics, in alphabetical order."""

    async def topic_followers(
        self, community_id: str, topics: Sequence[str]
    ) -> dict[str, tuple[str, ...]]:
        """Members who declared any of ``topics``, each with the ones they declared, in order
        of id."""

    async def pause_topics(self, community_id: str, member_id: str, paused: bool) -> None:
        """``/entraide topics off`` (or ``on``): whether the member hears about their topics
        (routed requests, topic reminders); their topics are kept either way."""

    async def profiles(
        self, community_id: str, member_ids: Iterable[str]
    ) -> dict[str, MemberProfile]:
        """What routing needs of these members (zone, locale, paused); unknown ones left out."""

"""Who a Slack member is (name, admin or owner, bot, locale, time zone), from ``users.info``,
cached.

Every command and event needs it; a few minutes of cache keeps the Web API out
of the hot path while a new admin or a changed locale shows up soon enough.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from adapters.slack.chat import SlackChat
from adapters.slack.translate import Member
from bot.clock import Clock
from bot.ports import ChatError

log = logging.getLogger(__name__)

CACHE_FOR = timedelta(minutes=5)


class Members:
    def __init__(self, chat: SlackChat, clock: Clock, cache_for: timedelta = CACHE_FOR) -> None:
        self.chat = chat
        self.clock = clock
        self.cache_for = cache_for
        self._cache: dict[str, tuple[datetime, Member]] = {}

    async def get(self, member_id: str, fallback_name: str = "") -> Member:
        """The member as Slack describes them; a plain member when Slack cannot say."""
        now = self.clock.now()
        cached = self._cache.get(member_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            user = await self.chat.member(member_id)
        except ChatError as error:
            # The event still counts; only the organiser rights and the locale are unknown.
            log.warning("users.info failed for %s: %s", member_id, error)
            return Member(member_id, fallback_name or member_id)
        member = member_from(user)
        self._cache[member_id] = (now + self.cache_for, member)
        return member

    async def names(self, member_ids: Iterable[str]) -> dict[str, str]:
        return {member_id: (await self.get(member_id)).name for member_id in member_ids}


def member_from(user: dict) -> Member:
    profile = user.get("profile") or {}
    return Member(
        user["id"],
        profile.get("display_name") or profile.get("real_name") or user.get("name") or user["id"],
        is_organiser=any(user.get(flag) for flag in ("is_admin", "is_owner", "is_primary_owner")),
        is_bot=bool(user.get("is_bot")),
        locale=user.get("locale"),
        timezone=user.get("tz") or None,
    )

"""Communities and their members: settings, display names, locales, topics."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.domain import (
    CommunitySettings,
    MemberProfile,
)
from storage.sql import Repository
from storage.tables import (
    communities,
    member_topics,
    members,
)

# On the path of every card: built once.
_NAMES = select(members.c.member_id, members.c.name).where(
    members.c.community_id == bindparam("community_id"),
    members.c.member_id.in_(bindparam("ids", expanding=True)),
)


class Communities(Repository):
    async def settings(self, defaults: CommunitySettings, now: datetime) -> CommunitySettings:
        """The community's settings, created from ``defaults`` the first time it is seen."""
        row = await self._community_row(defaults.community_id)
        if row is None:
            await self.conn.execute(
                self._insert_ignoring(communities, "id").values(
                    id=defaults.community_id, created_at=now, **_settings_values(defaults)
                )
            )
            row = await self._community_row(defaults.community_id)
        return CommunitySettings(
            community_id=row.id,
            language=row.language,
            timezone=row.timezone,
            help_channel=row.help_channel,
            resources_channel=row.resources_channel,
            helpful_emoji=row.helpful_emoji,
            me_too_emoji=row.me_too_emoji,
            bookmark_emoji=row.bookmark_emoji,
            reminder_delay=timedelta(minutes=row.reminder_delay_minutes),
        )

    async def _community_row(self, community_id: str):
        return (
            await self.conn.execute(select(communities).where(communities.c.id == community_id))
        ).first()

    async def save_settings(self, settings: CommunitySettings) -> None:
        await self.conn.execute(
            update(communities)
            .where(communities.c.id == settings.community_id)
            .values(**_settings_values(settings))
        )

    async def ids(self) -> list[str]:
        return list(
            (await self.conn.execute(select(communities.c.id).order_by(communities.c.id))).scalars()
        )

    async def see_member(
        self,
        community_id: str,
        member_id: str,
        name: str,
        now: datetime,
        locale: str | None = None,
        timezone: str | None = None,
    ) -> None:
        """Remember a member's display name, locale, zone and last activity (for thanks by
        name, private notices in their language and out of their night, active members).

        One statement, which writes only when the name or locale changed or the last write is
        an hour old: it runs at every command and event.
        """
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        insert_ = dialect.insert(members).values(
            community_id=community_id,
            member_id=member_id,
            name=name or member_id,
            locale=locale,
            timezone=timezone,
            last_seen_at=now,
        )
        # A platform that gives no name (or locale) this time keeps the one it gave before.
        changes = {"last_seen_at": insert_.excluded.last_seen_at}
        stale = members.c.last_seen_at < now - timedelta(hours=1)
        if name:
            changes["name"] = insert_.excluded.name
            stale = stale | (members.c.name != insert_.excluded.name)
        if locale:
            changes["locale"] = insert_.excluded.locale
            stale = (
                stale | members.c.locale.is_(None) | (members.c.locale != insert_.excluded.locale)
            )
        if timezone:
            changes["timezone"] = insert_.excluded.timezone
            stale = (
                stale
                | members.c.timezone.is_(None)
                | (members.c.timezone != insert_.excluded.timezone)
            )
        await self.conn.execute(
            insert_.on_conflict_do_update(
                index_elements=["community_id", "member_id"], set_=changes, where=stale
            )
        )

    async def member_locale(self, community_id: str, member_id: str) -> str | None:
        """The locale the platform last gave for a member, if any."""
        found = await self.conn.execute(
            select(members.c.locale).where(
                members.c.community_id == community_id, members.c.member_id == member_id
            )
        )
        return found.scalar_one_or_none()

    async def member_names(self, community_id: str, member_ids: Iterable[str]) -> dict[str, str]:
        ids = list(set(member_ids))
        if not ids:
            return {}
        rows = await self.conn.execute(_NAMES, {"community_id": community_id, "ids": ids})
        return {member_id: name for member_id, name in rows}

    async def add_topics(self, community_id: str, member_id: str, topics: Sequence[str]) -> None:
        for topic in topics:
            await self.conn.execute(
                self._insert_ignoring(member_topics, "community_id", "member_id", "topic").values(
                    community_id=community_id, member_id=member_id, topic=topic
                )
            )

    async def remove_topics(self, community_id: str, member_id: str, topics: Sequence[str]) -> None:
        await self.conn.execute(
            delete(member_topics).where(
                member_topics.c.community_id == community_id,
                member_topics.c.member_id == member_id,
                member_topics.c.topic.in_(list(topics)),
            )
        )

    async def topics(self, community_id: str, member_id: str) -> list[str]:
        rows = await self.conn.execute(
            select(member_topics.c.topic)
            .where(
                member_topics.c.community_id == community_id, member_topics.c.member_id == member_id
            )
            .order_by(member_topics.c.topic)
        )
        return list(rows.scalars())

    async def topic_followers(
        self, community_id: str, topics: Sequence[str]
    ) -> dict[str, tuple[str, ...]]:
        """Members who declared any of ``topics``, with those they declared, in order of id."""
        if not topics:
            return {}
        rows = await self.conn.execute(
            select(member_topics.c.member_id, member_topics.c.topic)
            .where(
                member_topics.c.community_id == community_id,
                member_topics.c.topic.in_(list(topics)),
            )
            .order_by(member_topics.c.member_id, member_topics.c.topic)
        )
        followers: dict[str, tuple[str, ...]] = {}
        for member_id, topic in rows:
            followers[member_id] = (*followers.get(member_id, ()), topic)
        return followers

    async def pause_topics(self, community_id: str, member_id: str, paused: bool) -> None:
        await self.conn.execute(
            update(members)
            .where(members.c.community_id == community_id, members.c.member_id == member_id)
            .values(topics_paused=paused)
        )

    async def profiles(
        self, community_id: str, member_ids: Iterable[str]
    ) -> dict[str, MemberProfile]:
        ids = list(set(member_ids))
        if not ids:
            return {}
        rows = await self.conn.execute(
            select(members).where(
                members.c.community_id == community_id, members.c.member_id.in_(ids)
            )
        )
        return {
            row.member_id: MemberProfile(
                row.member_id, row.name, row.locale, row.timezone, bool(row.topics_paused)
            )
            for row in rows
        }


def _settings_values(settings: CommunitySettings) -> dict:
    return {
        "language": settings.language,
        "timezone": settings.timezone,
        "help_channel": settings.help_channel,
        "resources_channel": settings.resources_channel,
        "helpful_emoji": settings.helpful_emoji,
        "me_too_emoji": settings.me_too_emoji,
        "bookmark_emoji": settings.bookmark_emoji,
        "reminder_delay_minutes": int(settings.reminder_delay.total_seconds() // 60),
    }

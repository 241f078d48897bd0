"""What the web side keeps (``tx.web``): the signing secret, the single-use links already
used, each community's public-library choice, and members' consent to be named publicly.

All of it lives in the database, so that any instance behind a load balancer serves any
request alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.web.model import WebSettings
from storage.web_tables import web_profiles, web_secrets, web_settings, web_used_links


class WebAccess:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    def _insert(self, table):
        return (postgresql if self.conn.dialect.name == "postgresql" else sqlite).insert(table)

    async def secret(self, candidate: str, now: datetime) -> str:
        """The signing secret: ``candidate`` if none was kept yet, else the one kept (the
        first instance to ask wins; every other reads it)."""
        await self.conn.execute(
            self._insert(web_secrets)
            .values(name="signing", value=candidate, created_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        found = await self.conn.execute(
            select(web_secrets.c.value).where(web_secrets.c.name == "signing")
        )
        return found.scalar_one()

    async def use_link(
        self, link_id: str, community_id: str, expires_at: datetime, now: datetime
    ) -> bool:
        """Record a single-use link as used; False when it was already (on any instance)."""
        await self.conn.execute(delete(web_used_links).where(web_used_links.c.expires_at < now))
        result = await self.conn.execute(
            self._insert(web_used_links)
            .values(link_id=link_id, community_id=community_id, expires_at=expires_at, used_at=now)
            .on_conflict_do_nothing(index_elements=["link_id"])
        )
        return result.rowcount == 1

    async def settings(self, community_id: str) -> WebSettings:
        row = (
            await self.conn.execute(
                select(web_settings).where(web_settings.c.community_id == community_id)
            )
        ).first()
        return WebSettings(row.public_library, row.search_engines) if row else WebSettings()

    async def save_settings(self, community_id: str, settings: WebSettings, now: datetime) -> None:
        values = {
            "public_library": settings.public_library,
            "search_engines": settings.search_engines,
            "updated_at": now,
        }
        insert_ = self._insert(web_settings).values(community_id=community_id, **values)
        await self.conn.execute(
            insert_.on_conflict_do_update(index_elements=["community_id"], set_=values)
        )

    async def public_communities(self) -> list[tuple[str, bool]]:
        """(community, search engines welcome) of every community whose library is public."""
        rows = await self.conn.execute(
            select(web_settings.c.community_id, web_settings.c.search_engines)
            .where(web_settings.c.public_library.is_(True))
            .order_by(web_settings.c.community_id)
        )
        return [(row.community_id, row.search_engines) for row in rows]

    async def set_public_profile(
        self, community_id: str, member_id: str, public: bool, now: datetime
    ) -> None:
        values = {"public": public, "updated_at": now}
        insert_ = self._insert(web_profiles).values(
            community_id=community_id, member_id=member_id, **values
        )
        await self.conn.execute(
            insert_.on_conflict_do_update(index_elements=["community_id", "member_id"], set_=values)
        )

    async def public_profile(self, community_id: str, member_id: str) -> bool:
        found = await self.conn.execute(
            select(web_profiles.c.public).where(
                web_profiles.c.community_id == community_id, web_profiles.c.member_id == member_id
            )
        )
        return bool(found.scalar_one_or_none())

    async def forget_profile(self, community_id: str, member_id: str) -> None:
        await self.conn.execute(
            delete(web_profiles).where(
                web_profiles.c.community_id == community_id, web_profiles.c.member_id == member_id
            )
        )

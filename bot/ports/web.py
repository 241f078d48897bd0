"""What the web side keeps, shared by every instance: its secret, used links, public settings."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.web.model import WebSettings


class WebAccess(Protocol):
    """What the web side keeps (``storage.web_access``), shared by every instance."""

    async def secret(self, candidate: str, now: datetime) -> str:
        """The signing secret kept in the database; ``candidate`` becomes it if there is none."""

    async def use_link(
        self, link_id: str, community_id: str, expires_at: datetime, now: datetime
    ) -> bool:
        """Record a single-use link as used; False when it was already."""

    async def settings(self, community_id: str) -> WebSettings: ...

    async def save_settings(
        self, community_id: str, settings: WebSettings, now: datetime
    ) -> None: ...

    async def public_communities(self) -> list[tuple[str, bool]]:
        """(community, search engines welcome) of every community whose library is public."""

    async def set_public_profile(
        self, community_id: str, member_id: str, public: bool, now: datetime
    ) -> None: ...

    async def public_profile(self, community_id: str, member_id: str) -> bool: ...

    async def forget_profile(self, community_id: str, member_id: str) -> None: ...

"""The web site, platform- and HTTP-neutral: who may see what, and the links that get them in.

The HTTP adapter (``adapters/web``) asks :class:`Site` for a viewer (from a session
cookie, or a public knowledge base) and for page models (``bot.web.pages``), and renders
them. Nothing is kept in the process but the signing secret, which every instance reads
alike: any instance serves any request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from bot.clock import Clock
from bot.ports import Store
from bot.web.access import (
    SESSION_TTL,
    Grant,
    LinkRefused,
    Role,
    link_token,
    new_secret,
    read_link,
    read_session,
    session_value,
)
from bot.web.model import WebSettings

log = logging.getLogger(__name__)

# (community, channel, message id) → the message's address on its platform, or None.
MessageLink = Callable[[str, str, str], str | None]


def no_link(_community_id: str, _channel_id: str, _message_id: str) -> str | None:
    return None


@dataclass(frozen=True)
class WebConfig:
    """How the pages are reached: ``base_url`` is what links start with (a reverse proxy's
    public address); ``secret`` signs links and sessions (generated and kept in the
    database when not configured)."""

    base_url: str
    secret: str | None = None
    session_ttl: timedelta = SESSION_TTL

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    @property
    def secure(self) -> bool:
        return self.base_url.startswith("https://")


def community_path(community_id: str, page: str = "") -> str:
    """``/c/<community>/<page>``; community ids (``slack:T0123``) keep their colon."""
    return f"/c/{quote(community_id, safe=':')}/{page}"


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a community's pages, and in which community."""

    community_id: str
    role: Role
    language: str  # the community's
    timezone: str
    web: WebSettings

    @property
    def organiser(self) -> bool:
        return self.role is Role.ORGANISER

    @property
    def public(self) -> bool:
        return self.role is Role.PUBLIC


async def signing_secret(store: Store, config: WebConfig, clock: Clock) -> str:
    if config.secret:
        return config.secret
    async with store.transaction() as tx:
        return await tx.web.secret(new_secret(), clock.now())


async def new_link(
    store: Store, config: WebConfig, clock: Clock, community_id: str, role: Role
) -> str:
    """A signed, single-use link to a community's pages (``/entraide dashboard``, ``library``)."""
    token = link_token(await signing_secret(store, config, clock), community_id, role, clock.now())
    return config.url(f"/login/{token}")


class Site:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        config: WebConfig,
        message_link: MessageLink = no_link,
    ) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self.message_link = message_link
        self._secret: str | None = None

    async def secret(self) -> str:
        # The same on every instance and never changed: read once.
        if self._secret is None:
            self._secret = await signing_secret(self.store, self.config, self.clock)
        return self._secret

    async def check_link(self, token: str) -> Grant:
        """The grant of a link still unused; raises :class:`LinkRefused` otherwise."""
        return read_link(await self.secret(), token, self.clock.now())

    async def open_link(self, token: str) -> tuple[Grant, str]:
        """Use a link: its grant and the session cookie's value. Raises :class:`LinkRefused`
        (``invalid``, ``expired`` or ``used``: recorded in the database, so on any instance)."""
        now = self.clock.now()
        grant = read_link(await self.secret(), token, now)
        async with self.store.transaction() as tx:
            if await tx.reports.community(grant.community_id) is None:
                raise LinkRefused("invalid")
            if not await tx.web.use_link(grant.link_id, grant.community_id, grant.expires_at, now):
                raise LinkRefused("used")
        log.info("web session opened for %s (%s)", grant.community_id, grant.role.value)
        return grant, session_value(await self.secret(), grant, now, self.config.session_ttl)

    async def viewer(self, community_id: str, session: str | None) -> Viewer | None:
        """Who looks: the session's role in this community, else a public reader when the
        community's knowledge base is public, else nobody (the pages answer 404)."""
        grant = read_session(await self.secret(), session, community_id, self.clock.now())
        async with self.store.transaction(reading=True) as tx:
            found = await tx.reports.community(community_id)
            if found is None:
                return None
            web = await tx.web.settings(community_id)
        if grant is None and not web.public_library:
            return None
        role = grant.role if grant else Role.PUBLIC
        return Viewer(community_id, role, found[0], found[1], web)

    async def robots(self) -> str:
        """robots.txt: nothing indexed, but the public knowledge bases that welcome search engines."""
        async with self.store.transaction(reading=True) as tx:
            public = await tx.web.public_communities()
        lines = ["User-agent: *"]
        for community_id, indexed in public:
            if indexed:
                lines += [
                    f"Allow: {community_path(community_id, 'kb')}",
                    f"Allow: {community_path(community_id, 'resources')}",
                ]
        lines.append("Disallow: /")
        return "\n".join(lines) + "\n"

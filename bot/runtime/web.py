"""Serving the web pages, for ``entraide run`` and the console: the site built, bound,
and its address handed to the core for the links ``/entraide dashboard`` gives."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from aiohttp import web

from adapters.web.http import serve_web
from adapters.web.server import web_app
from bot.core import Core
from bot.runtime.routing import platform_of
from bot.runtime.settings import Settings
from bot.web.site import MessageLink, Site, WebConfig


def message_links(by_platform: Mapping[str, MessageLink]) -> MessageLink:
    """One link builder for the site: each platform's adapter builds its own messages' links."""

    def link(community_id: str, channel_id: str, message_id: str | None) -> str | None:
        build = by_platform.get(platform_of(community_id))
        return build(community_id, channel_id, message_id) if build and message_id else None

    return link


async def start_web(
    settings: Settings, core: Core, message_link: MessageLink
) -> tuple[web.AppRunner, WebConfig]:
    """Serve the pages on ``web.host:web.port``; the core then hands out links to them."""
    host = settings.web.host
    site = Site(core.store, core.clock, _config(settings, ""), message_link)
    runner, port = await serve_web(web_app(site), host, settings.web.port)
    shown = "localhost" if host in ("0.0.0.0", "::", "") else host
    site.config = core.web = _config(settings, f"http://{shown}:{port}")
    return runner, site.config


def _config(settings: Settings, bound: str) -> WebConfig:
    secret = settings.web.secret.get_secret_value() if settings.web.secret else None
    return WebConfig(
        base_url=settings.web.base_url or bound,
        secret=secret or None,
        session_ttl=timedelta(hours=settings.web.session_hours),
    )

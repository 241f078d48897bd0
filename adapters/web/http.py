"""What every web response shares: its protective headers, its cookies' names, the
language it is in, the refusals it can be, and serving the app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.i18n import LANGUAGES, language_for

SESSION_COOKIE = "entraide_session"
LANGUAGE_COOKIE = "entraide_lang"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PAGE_MAX = 10_000
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def preferred_language(request: web.Request, community_language: str = "en") -> str:
    """``?lang=``, then the language chosen before (a cookie), then the browser's, then the
    community's."""
    for chosen in (request.query.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if chosen in LANGUAGES:
            return chosen
    for part in request.headers.get("Accept-Language", "").split(","):
        tag, _, weight = part.partition(";")
        base = tag.strip().split("-")[0].lower()
        if base in LANGUAGES and weight.strip() not in ("q=0", "q=0.0"):
            return base
    return language_for(community_language)


class NotFound(Exception):
    """Answered 404, whatever the reason: nothing tells a community's pages exist."""


class Forbidden(Exception):
    """A member's session on an organisers' page."""


async def serve_web(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Start serving; return the runner (to stop it) and the port actually bound."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner, runner.addresses[0][1]

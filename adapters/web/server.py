"""The web pages over HTTP (aiohttp): routes, cookies, headers; the core decides the rest.

Every response carries the same protective headers (CSP ``default-src 'self'``, no
framing, no sniffing, no referrer: a link's token never leaks to another site). Pages
are read-only; the only POST opens a link. Nothing is kept in the process: sessions are
signed cookies, used links are in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlencode

from aiohttp import web

from adapters.web.http import (
    HEADERS,
    LANGUAGE_COOKIE,
    PAGE_MAX,
    SESSION_COOKIE,
    Forbidden,
    Handler,
    NotFound,
    preferred_language,
)
from bot.export import community_knowledge, to_csv, to_json
from bot.i18n import LANGUAGES, t
from bot.web import pages
from bot.web.access import LinkRefused, Role
from bot.web.render import render, stylesheet
from bot.web.site import Site, Viewer, community_path

log = logging.getLogger(__name__)


def web_app(site: Site) -> web.Application:
    server = WebServer(site)
    app = web.Application(middlewares=[server.protect])
    app.router.add_get("/", server.root)
    app.router.add_get("/robots.txt", server.robots)
    app.router.add_get("/static/entraide.css", server.css)
    app.router.add_get("/login/{token}", server.login_page)
    app.router.add_post("/login/{token}", server.login)
    app.router.add_get("/c/{community}/", server.home)
    app.router.add_get("/c/{community}/overview", server.overview)
    app.router.add_get("/c/{community}/questions", server.questions)
    app.router.add_get("/c/{community}/kb", server.knowledge)
    app.router.add_get("/c/{community}/kb/questions/{question:[0-9]{1,9}}", server.question)
    app.router.add_get("/c/{community}/resources", server.resources)
    app.router.add_get("/c/{community}/downloads", server.downloads)
    app.router.add_get("/c/{community}/export.{format:json|csv}", server.export)
    return app


class WebServer:
    def __init__(self, site: Site) -> None:
        self.site = site

    # -- plumbing ----------------------------------------------------------------

    @web.middleware
    async def protect(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except NotFound:
            response = self._message(request, 404, "web.not_found")
        except Forbidden:
            response = self._message(request, 403, "web.organisers_only")
        except web.HTTPException as error:
            if error.status >= 400:
                response = self._message(request, error.status, "web.not_found")
            else:
                raise self._protected(error) from None
        return self._protected(response)

    def _protected(self, response: web.StreamResponse) -> web.StreamResponse:
        response.headers.update(HEADERS)
        if response.headers.get("Cache-Control") is None:
            response.headers["Cache-Control"] = "no-store"
        return response

    def _message(
        self,
        request: web.Request,
        status: int,
        key: str,
        *,
        form_action: str | None = None,
        button: str = "",
    ) -> web.Response:
        language = preferred_language(request)
        html = render(
            "message.html",
            language,
            title=t(language, f"{key}.title"),
            text=t(language, key),
            form_action=form_action,
            button=button,
            **self._chrome(request, language, None, ""),
        )
        response = web.Response(text=html, status=status, content_type="text/html")
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def _chrome(
        self, request: web.Request, language: str, viewer: Viewer | None, current: str
    ) -> dict:
        """What every page's frame shows: navigation, the language switch, robots."""
        nav = []
        if viewer is not None:
            shown = {
                Role.ORGANISER: ("overview", "questions", "kb", "resources", "downloads"),
                Role.MEMBER: ("questions", "kb", "resources"),
                Role.PUBLIC: ("kb", "resources"),
            }[viewer.role]
            nav = [
                {
                    "href": community_path(viewer.community_id, page),
                    "label": t(language, f"web.nav.{page}"),
                    "current": page == current,
                }
                for page in shown
            ]
        query = dict(request.query)
        switch = [
            (code, request.path + "?" + urlencode(query | {"lang": code})) for code in LANGUAGES
        ]
        indexed = viewer is not None and viewer.public and viewer.web.search_engines
        return {
            "nav": nav,
            "switch": switch,
            "home": community_path(viewer.community_id) if viewer else "/",
            "community": viewer.community_id if viewer else None,
            "public": bool(viewer and viewer.public),
            "robots": "index, follow" if indexed else "noindex, nofollow",
        }

    async def _viewer(self, request: web.Request, *allowed: Role) -> Viewer:
        community_id = request.match_info["community"]
        viewer = await self.site.viewer(community_id, request.cookies.get(SESSION_COOKIE))
        if viewer is None:
            raise NotFound
        if viewer.role not in allowed:
            if viewer.public:
                raise NotFound
            raise Forbidden
        return viewer

    def _page(
        self,
        request: web.Request,
        viewer: Viewer,
        template: str,
        current: str,
        title_key: str,
        **context: object,
    ) -> web.Response:
        language = preferred_language(request, viewer.language)
        chrome = self._chrome(request, language, viewer, current)
        html = render(
            template,
            language,
            title=context.pop("title", None) or t(language, title_key),
            **chrome,
            **context,
        )
        response = web.Response(text=html, content_type="text/html")
        response.headers["X-Robots-Tag"] = chrome["robots"]
        if request.query.get("lang") in LANGUAGES:
            # The choice holds for the next pages (a preference, not a session).
            response.set_cookie(
                LANGUAGE_COOKIE, request.query["lang"], path="/", samesite="Lax", max_age=31536000
            )
        return response

    @staticmethod
    def _int(request: web.Request, name: str, default: int, maximum: int = PAGE_MAX) -> int:
        try:
            value = int(request.query.get(name, default))
        except ValueError:
            return default
        return min(max(value, 1), maximum)

    @staticmethod
    def _word(request: web.Request, name: str, limit: int = 64) -> str | None:
        value = request.query.get(name, "").strip().lstrip("#")
        return value[:limit] or None

    @staticmethod
    def _href(request: web.Request) -> Callable[..., str]:
        def href(**changes: object) -> str:
            query = {k: v for k, v in request.query.items() if k != "lang"}
            query |= {k: str(v) for k, v in changes.items()}
            return request.path + "?" + urlencode({k: v for k, v in query.items() if v != ""})

        return href

    # -- open pages -------------------------------------------------------------------

    async def root(self, request: web.Request) -> web.Response:
        return self._message(request, 200, "web.welcome")

    async def robots(self, _request: web.Request) -> web.Response:
        return web.Response(text=await self.site.robots(), content_type="text/plain")

    async def css(self, _request: web.Request) -> web.Response:
        response = web.Response(body=stylesheet(), content_type="text/css")
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    # -- links and sessions -----------------------------------------------------------

    async def login_page(self, request: web.Request) -> web.StreamResponse:
        """A browser opening the link is let in at once. Anything else (a chat's link
        preview, a mail scanner) gets a button: fetching the link does not use it up."""
        token = request.match_info["token"]
        try:
            await self.site.check_link(token)
        except LinkRefused as refused:
            return self._refused(request, refused)
        navigating = request.headers.get("Sec-Fetch-Mode") == "navigate" and request.headers.get(
            "Sec-Fetch-Dest"
        ) in ("document", None)
        if navigating:
            return await self.login(request)
        language = preferred_language(request)
        return self._message(
            request,
            200,
            "web.open_link",
            form_action=request.path,
            button=t(language, "web.open_link.button"),
        )

    async def login(self, request: web.Request) -> web.StreamResponse:
        try:
            grant, session = await self.site.open_link(request.match_info["token"])
        except LinkRefused as refused:
            return self._refused(request, refused)
        home = community_path(grant.community_id)
        page = "overview" if grant.role is Role.ORGANISER else "kb"
        response = web.Response(status=303, headers={"Location": home + page})
        response.set_cookie(
            SESSION_COOKIE,
            session,
            path=home,
            httponly=True,
            samesite="Lax",
            secure=self.site.config.secure or request.secure,
            max_age=int(self.site.config.session_ttl.total_seconds()),
        )
        return response

    def _refused(self, request: web.Request, refused: LinkRefused) -> web.Response:
        if refused.reason == "invalid":
            return self._message(request, 404, "web.not_found")
        return self._message(request, 410, f"web.link_{refused.reason}")

    # -- a community's pages ----------------------------------------------------------

    async def home(self, request: web.Request) -> web.StreamResponse:
        viewer = await self._viewer(request, *Role)
        page = "overview" if viewer.organiser else "kb"
        raise web.HTTPSeeOther(community_path(viewer.community_id, page))

    async def overview(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request, Role.ORGANISER)
        language = preferred_language(request, viewer.language)
        weeks = pages.period(self._int(request, "weeks", pages.DEFAULT_PERIOD, 52))
        async with self.site.store.transaction(reading=True, long=True, snapshot=True) as tx:
            context = await pages.overview(tx, viewer, weeks, language, self.site.clock.now())
        return self._page(
            request, viewer, "overview.html", "overview", "web.nav.overview", **context
        )

    async def questions(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request, Role.ORGANISER, Role.MEMBER)
        language = preferred_language(request, viewer.language)
        async with self.site.store.transaction(reading=True, long=True, snapshot=True) as tx:
            context = await pages.questions_page(
                tx,
                viewer,
                request.query.get("status", "all"),
                self._word(request, "tag"),
                self._int(request, "page", 1),
                language,
                self.site.clock.now(),
                self.site.message_link,
            )
        href = self._href(request)
        return self._page(
            request,
            viewer,
            "questions.html",
            "questions",
            "web.nav.questions",
            href=href,
            page_href=lambda page: href(page=page),
            kb_question=self._kb_question(viewer),
            **context,
        )

    def _kb_question(self, viewer: Viewer) -> Callable[[int], str]:
        return lambda number: community_path(viewer.community_id, f"kb/questions/{number}")

    async def knowledge(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request, *Role)
        language = preferred_language(request, viewer.language)
        text = request.query.get("q", "")[:200]
        async with self.site.store.transaction(reading=True, long=True, snapshot=True) as tx:
            context = await pages.knowledge(tx, viewer, text, language)
        return self._page(
            request,
            viewer,
            "kb.html",
            "kb",
            "web.nav.kb",
            kb_path=community_path(viewer.community_id, "kb"),
            kb_question=self._kb_question(viewer),
            **context,
        )

    async def question(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request, *Role)
        language = preferred_language(request, viewer.language)
        async with self.site.store.transaction(reading=True, long=True, snapshot=True) as tx:
            found = await pages.question(
                tx, viewer, int(request.match_info["question"]), language, self.site.message_link
            )
        if found is None:
            raise NotFound
        return self._page(
            request,
            viewer,
            "question.html",
            "kb",
            "web.nav.kb",
            title=found["title"],
            question=found,
            kb_path=community_path(viewer.community_id, "kb"),
        )

    async def resources(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request, *Role)
        language = preferred_language(request, viewer.language)
        async with self.site.store.transaction(reading=True, long=True, snapshot=True) as tx:
            context = await pages.resources_page(
                tx,
                viewer,
                self._word(request, "tag"),
                request.query.get("sort", "newest"),
                self._int(request, "page", 1),
                language,
            )
        href = self._href(request)
        return self._page(
            request,
            viewer,
            "resources.html",
            "resources",
            "web.nav.resources",
            href=href,
            page_href=lambda page: href(page=page),
            **context,
        )

    async def downloads(self, request: web.Request) -> web.Response:
        viewer = await self._viewer(request, Role.ORGANISER)
        return self._page(
            request,
            viewer,
            "downloads.html",
            "downloads",
            "web.nav.downloads",
            json_path=community_path(viewer.community_id, "export.json"),
            csv_path=community_path(viewer.community_id, "export.csv"),
        )

    async def export(self, request: web.Request) -> web.Response:
        """The community's export, exactly as ``entraide export`` writes it."""
        viewer = await self._viewer(request, Role.ORGANISER)
        kind = request.match_info["format"]
        async with self.site.store.transaction(reading=True, long=True, snapshot=True) as tx:
            knowledge = await community_knowledge(tx, viewer.community_id)
        now = self.site.clock.now()
        body = to_json([knowledge], now) if kind == "json" else to_csv([knowledge])
        safe_name = "".join(c if c.isalnum() else "-" for c in viewer.community_id)
        response = web.Response(
            text=body,
            content_type="application/json" if kind == "json" else "text/csv",
            charset="utf-8",
        )
        response.headers["Content-Disposition"] = (
            f'attachment; filename="entraide-{safe_name}-{now.date().isoformat()}.{kind}"'
        )
        return response

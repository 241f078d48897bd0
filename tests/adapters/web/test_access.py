"""Who gets in: signed single-use links, session cookies for one community, headers, 404s."""

from __future__ import annotations

import asyncio

from tests.adapters.web.conftest import NAVIGATE, Web, serve
from tests.conftest import START

PAGES = ("overview", "questions", "kb", "resources", "downloads", "export.json", "export.csv")


async def test_a_dashboard_link_opens_the_overview_and_sets_a_session_for_that_community(
    web: Web,
):
    token = await web.link("olga")
    response = await web.client.get(f"/login/{token}", headers=NAVIGATE, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/c/team/overview"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/c/team/" in cookie
    assert "Secure" not in cookie  # plain http here; https base URLs get Secure
    page = await web.client.get("/c/team/overview")
    assert page.status == 200
    assert "Questions asked per week" in await page.text()


async def test_a_link_opens_once_on_any_instance(web: Web):
    token = await web.link("olga")
    # A second instance on the same database: no state in a process.
    _other_site, other = await serve(web.community)
    try:
        first = await other.get(f"/login/{token}", headers=NAVIGATE, allow_redirects=False)
        assert first.status == 303
        again = await web.client.get(f"/login/{token}", headers=NAVIGATE, allow_redirects=False)
        assert again.status == 410
        assert "already used" in await again.text()
    finally:
        await other.close()


async def test_a_link_preview_does_not_use_the_link_up(web: Web):
    token = await web.link("olga")
    # A chat's link preview, a mail scanner: no browser navigation headers.
    preview = await web.client.get(f"/login/{token}", allow_redirects=False)
    assert preview.status == 200
    assert 'method="post"' in await preview.text()
    opened = await web.client.post(f"/login/{token}", allow_redirects=False)
    assert opened.status == 303
    assert (await web.client.post(f"/login/{token}", allow_redirects=False)).status == 410


async def test_a_link_expires_after_15_minutes(web: Web):
    token = await web.link("olga")
    web.community.advance(minutes=15, seconds=1)
    response = await web.client.get(f"/login/{token}", headers=NAVIGATE, allow_redirects=False)
    assert response.status == 410
    assert "expired" in await response.text()


async def test_a_forged_or_altered_link_is_not_found(web: Web):
    token = await web.link("olga")
    body, mac = token.split(".")
    for forged in ("nonsense", f"{body}.{mac[:-2]}AA", f"{body[:-2]}AA.{mac}", "a.b", "x" * 900):
        response = await web.client.get(f"/login/{forged}", headers=NAVIGATE)
        assert response.status == 404, forged


async def test_without_a_session_every_page_is_not_found(web: Web):
    for page in PAGES:
        response = await web.client.get(f"/c/team/{page}")
        assert response.status == 404, page
    assert (await web.client.get("/c/team/kb/questions/1")).status == 404


async def test_a_session_of_one_community_sees_nothing_of_another(web: Web):
    await web.log_in()
    other = web.community.entraide.entraide.core
    # A second community in the same database, with questions of its own.
    from tests.conftest import make_community

    elsewhere = make_community(web.community.store, "elsewhere", clock=web.community.clock)
    elsewhere.entraide.entraide.core.web = other.web
    await elsewhere.ask("zoe", "A question of another community")
    jar = web.client.session.cookie_jar
    session = next(c.value for c in jar if c.key == "entraide_session")
    for page in PAGES:
        response = await web.client.get(
            f"/c/elsewhere/{page}", headers={"Cookie": f"entraide_session={session}"}
        )
        assert response.status == 404, page
    assert (await web.client.get("/c/team/overview")).status == 200


async def test_every_response_carries_the_protective_headers(web: Web):
    await web.log_in()
    for path in ("/c/team/overview", "/c/team/kb", "/c/nowhere/kb", "/static/entraide.css", "/"):
        response = await web.client.get(path)
        headers = response.headers
        assert "default-src 'self'" in headers["Content-Security-Policy"], path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path


async def test_pages_are_read_only(web: Web):
    await web.log_in()
    for page in PAGES:
        response = await web.client.post(f"/c/team/{page}")
        assert response.status == 405, page


async def test_pages_are_served_while_the_bot_is_writing(web: Web):
    """Reading a page takes no writer's turn: on SQLite, which has one writer at a time, an
    organiser's 52-week overview never holds the bot's writes (acknowledgements among them),
    and a page never waits for them."""
    await web.log_in()
    writing, done = asyncio.Event(), asyncio.Event()

    async def write() -> None:
        async with web.community.store.transaction() as tx:
            await tx.events.claim(web.community.id, "held", START)
            writing.set()
            await done.wait()

    writer = asyncio.create_task(write())
    await writing.wait()
    try:
        for page in PAGES:
            get = web.client.get(f"/c/team/{page}?weeks=52", headers=NAVIGATE)
            response = await asyncio.wait_for(get, timeout=10)
            assert response.status == 200, page
    finally:
        done.set()
        await writer


async def test_a_member_sees_the_knowledge_base_and_questions_but_not_the_organisers_pages(
    web: Web,
):
    token = await web.link("bob", "library")
    response = await web.client.get(f"/login/{token}", headers=NAVIGATE, allow_redirects=False)
    assert response.headers["Location"] == "/c/team/kb"
    for page in ("kb", "questions", "resources", "kb/questions/1"):
        assert (await web.client.get(f"/c/team/{page}")).status == 200, page
    for page in ("overview", "downloads", "export.json", "export.csv"):
        assert (await web.client.get(f"/c/team/{page}")).status == 403, page


async def test_only_organisers_get_a_dashboard_link(web: Web):
    reply = await web.community.command("bob", "entraide", "dashboard")
    assert "Only organisers can open the dashboard" in reply.plain_text()


async def test_an_expired_session_is_not_found(web: Web):
    await web.log_in()
    web.community.advance(hours=12, seconds=1)
    assert (await web.client.get("/c/team/overview")).status == 404


async def test_a_link_signed_with_the_configured_secret_is_refused_by_another(web: Web):
    token = await web.link("olga")
    _site, other = await serve(web.community, config_secret="another secret")
    try:
        response = await other.get(f"/login/{token}", headers=NAVIGATE)
        assert response.status == 404
    finally:
        await other.close()
        web.community.entraide.entraide.core.web = web.site.config


async def test_without_web_pages_the_commands_say_so(web: Web):
    web.community.entraide.entraide.core.web = None
    reply = await web.community.command("olga", "entraide", "dashboard", organiser=True)
    assert "not served" in reply.plain_text()

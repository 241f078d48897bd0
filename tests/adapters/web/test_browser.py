"""The pages in a real browser (headless Chromium): each plot drawn with the figures of its
table, the knowledge base searched, the language switched, refused links and other
communities' pages, no request to another host and no CSP violation. Also takes the
README's screenshot of the overview (``ENTRAIDE_SCREENSHOTS=docs`` writes it there)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from storage.engine import create_engine
from storage.store import Store
from tests.adapters.web.browser import CHROMIUM_ARGS, chromium_path, playwright
from tests.adapters.web.conftest import Web, populate, serve
from tests.conftest import make_community


@pytest.fixture(scope="module")
async def browser():
    """One Chromium for the module; each test opens its own context (its own cookies)."""
    path, start = chromium_path(), playwright()
    async with start() as driver:
        launched = await driver.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def site(sqlite_url):
    """The test community on SQLite (the HTTP tests cover PostgreSQL)."""
    engine = create_engine(sqlite_url)
    store = Store(engine)
    community = make_community(store, resources_channel="resources", timezone="UTC")
    ids = await populate(community)
    web_site, client = await serve(community)
    try:
        yield Web(community, client, web_site, ids)
    finally:
        await client.close()
        await engine.dispose()


class Page:
    """A browser tab that records what a person would not see: other hosts, CSP errors."""

    def __init__(self, page, base: str) -> None:
        self.page, self.base = page, base
        self.elsewhere: list[str] = []
        self.violations: list[str] = []
        page.on("request", self._request)
        page.on("console", self._console)

    def _request(self, request) -> None:
        if not request.url.startswith(self.base) and not request.url.startswith("data:"):
            self.elsewhere.append(request.url)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.violations.append(message.text)

    def clean(self) -> None:
        assert self.elsewhere == [] and self.violations == []


async def open_tab(browser, web: Web, **options) -> Page:
    context = await browser.new_context(**options)
    return Page(await context.new_page(), web.site.config.base_url)


async def plot_values(page, plot: str, series: str | None = None) -> list[str]:
    selector = f"#plot-{plot} .bar, #plot-{plot} .point"
    if series:
        selector = f'#plot-{plot} .bar[data-series="{series}"]'
    return await page.eval_on_selector_all(selector, "marks => marks.map(m => m.dataset.value)")


def numbers(cells: list[str]) -> list[float]:
    """The figures of a column or a plot, weeks without one ("—") left out."""
    return [float(cell) for cell in cells if cell != "—"]


async def column(page, table: str, index: int) -> list[str]:
    return await page.eval_on_selector_all(
        f"#table-{table} tbody tr",
        f"rows => rows.map(r => r.children[{index}].textContent.trim())",
    )


async def test_the_overview_draws_each_plot_with_the_figures_of_its_table(browser, site: Web):
    tab = await open_tab(browser, site)
    token = await site.link("olga")
    response = await tab.page.goto(f"{site.site.config.base_url}/login/{token}")
    assert response.ok and tab.page.url.endswith("/c/team/overview")
    page = tab.page
    for index, name in ((1, "Asked"), (2, "Answered"), (3, "Resolved")):
        drawn = await plot_values(page, "questions", name)
        assert drawn == await column(page, "questions", index), name
    # Weeks without a question have no point on the lines: the table says "—".
    medians = numbers(await column(page, "median", 2))
    assert numbers(await plot_values(page, "median")) == medians == [16]
    within = numbers(await column(page, "within-day", 1))
    assert numbers(await plot_values(page, "within")) == within == [33]
    assert await plot_values(page, "unanswered") == await column(page, "unanswered", 1) == ["1"]
    assert await plot_values(page, "helpers") == await column(page, "helpers", 1) == ["1", "1"]
    per_prompt = numbers(await column(page, "prompts", 4))
    assert numbers(await plot_values(page, "prompts")) == per_prompt == [2]
    box = await page.locator('#plot-questions .bar[data-value="3"]').bounding_box()
    assert box and box["height"] > 20  # drawn, not just in the markup
    tab.clean()


async def test_the_knowledge_base_is_searched_and_the_language_switched(browser, site: Web):
    tab = await open_tab(browser, site, locale="en-GB")
    token = await site.link("bob", "library")
    await tab.page.goto(f"{site.site.config.base_url}/login/{token}")
    page = tab.page
    await page.fill("#q", "polls")
    await page.press("#q", "Enter")
    await page.wait_for_url("**/kb?q=polls")
    assert "1 result(s)" in await page.inner_text("#results-count")
    await page.click("text=How do I keep learners engaged?")
    assert "Short polls every 20 minutes" in await page.inner_text(".answers .accepted")
    await page.click('header .langs a[lang="fr"]')
    assert await page.inner_text(".badge") == "Réponse acceptée"
    await page.click("header nav >> text=Ressources")  # the choice holds on the next page
    assert "ressource(s)" in await page.inner_text("#total")
    tab.clean()


async def test_expired_and_reused_links_and_other_communities_are_refused(browser, site: Web):
    tab = await open_tab(browser, site)
    base, page = site.site.config.base_url, tab.page
    used = await site.link("olga")
    await page.goto(f"{base}/login/{used}")
    again = await page.goto(f"{base}/login/{used}")
    assert again.status == 410 and "already used" in await page.inner_text("main")
    late = await site.link("olga")
    site.community.advance(minutes=16)
    expired = await page.goto(f"{base}/login/{late}")
    assert expired.status == 410 and "expired" in await page.inner_text("main")
    other = make_community(site.community.store, "elsewhere", clock=site.community.clock)
    await other.ask("zoe", "Only for the other community")
    for path in ("/c/elsewhere/overview", "/c/elsewhere/kb"):
        response = await page.goto(base + path)
        assert response.status == 404, path
    tab.clean()


async def test_a_screenshot_of_the_overview(browser, sqlite_url, tmp_path):
    """The README's picture: the demo's quarter, in a desktop-sized window. Its last two weeks
    only, unless the picture is wanted (ENTRAIDE_SCREENSHOTS): a quarter takes half a minute."""
    from adapters.console.app import ConsoleSession
    from adapters.console.chat import ConsoleChat
    from bot.runtime.console import _fill

    engine = create_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    from storage.migrate import upgrade

    await upgrade(engine)
    out: list[str] = []
    chat = ConsoleChat("demo", write=out.append)
    community = make_community(Store(engine), "console", chat=chat, timezone="Europe/Paris")
    community.clock.set(community.clock.now() + timedelta(weeks=13))
    session = ConsoleSession(
        community.entraide, chat, community.clock, "console", frozenset({"alice"}), out.append
    )
    folder = os.environ.get("ENTRAIDE_SCREENSHOTS")
    await _fill(session, chat, community.clock, weeks=None if folder else 2)
    web_site, client = await serve(community)
    try:
        web = Web(community, client, web_site, {})
        tab = await open_tab(browser, web, viewport={"width": 1280, "height": 900})
        token = await web.link("alice", organiser=True)
        await tab.page.goto(f"{web_site.config.base_url}/login/{token}")
        asked = int(await tab.page.inner_text("#figure-asked"))
        assert asked > (100 if folder else 8)  # at least 8 questions a week
        shots = Path(folder or tmp_path)
        shots.mkdir(parents=True, exist_ok=True)
        await tab.page.screenshot(path=str(shots / "overview.png"), full_page=False)
        tab.clean()
    finally:
        await client.close()
        await engine.dispose()

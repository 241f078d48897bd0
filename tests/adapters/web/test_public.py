"""The public knowledge base: opt-in, and it never names a member who did not say yes,
never shows who asked anonymously, never shows an erased member's content."""

from __future__ import annotations

from tests.adapters.web.conftest import Web
from tests.adapters.web.html import text


async def make_public(web: Web) -> None:
    reply = await web.community.command(
        "olga", "entraide", "config public-library on", organiser=True
    )
    assert "public-library is now on" in reply.plain_text()


async def test_the_knowledge_base_is_private_until_organisers_open_it(web: Web):
    assert (await web.client.get("/c/team/kb")).status == 404
    await make_public(web)
    response = await web.client.get("/c/team/kb")
    assert response.status == 200
    assert "How do I keep learners engaged?" in text(await response.text())
    for page in ("overview", "questions", "downloads", "export.json"):
        assert (await web.client.get(f"/c/team/{page}")).status == 404, page
    reply = await web.community.command("bob", "entraide", "library")
    assert f"{web.site.config.base_url}/c/team/kb" in reply.plain_text()


async def test_members_are_named_publicly_only_when_they_said_yes(web: Web):
    await make_public(web)
    page = text(await (await web.client.get("/c/team/kb/questions/1")).text())
    assert "Asked by a member" in page and "Short polls every 20 minutes a member" in page
    assert "Bob" not in page and "Alice" not in page
    reply = await web.community.command("bob", "entraide", "profile public on")
    assert "may now appear" in reply.plain_text()
    page = text(await (await web.client.get("/c/team/kb/questions/1")).text())
    assert "Short polls every 20 minutes Bob" in page and "Alice" not in page
    resources = text(await (await web.client.get("/c/team/resources")).text())
    assert "shared by a member" in resources and "Carol" not in resources


async def test_an_anonymous_asker_stays_unnamed_even_if_they_agreed(web: Web):
    await make_public(web)
    community = web.community
    await community.command("dave", "entraide", "profile public on")
    answer = await community.reply("erin", web.ids["q2"], "Ask them to turn cameras on")
    await community.react("dave", answer, "white_check_mark")
    page = text(await (await web.client.get("/c/team/kb/questions/2")).text())
    assert "Asked by a member" in page and "Dave" not in page


async def test_an_erased_members_content_is_not_shown(web: Web):
    await make_public(web)
    community = web.community
    await community.command("frank", "entraide", "profile public on")
    await community.command("bob", "entraide", "profile public on")
    await community.press("bob", "privacy:forget", "bob")  # bob's accepted answer goes
    await community.press("frank", "privacy:forget", "frank")  # frank's practice share goes
    assert (await web.client.get("/c/team/kb/questions/1")).status == 404
    kb = text(await (await web.client.get("/c/team/kb")).text())
    assert "How do I keep learners engaged?" not in kb
    assert "one-minute check-in" not in kb and "Our learners vote on the agenda" in kb
    # A member of the community still finds the question, as /search does.
    await web.log_in("gina", "library")
    assert (await web.client.get("/c/team/kb/questions/1")).status == 200


async def test_search_engines_are_kept_out_unless_the_community_welcomes_them(web: Web):
    await make_public(web)
    response = await web.client.get("/c/team/kb")
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "Allow" not in await (await web.client.get("/robots.txt")).text()
    await web.community.command("olga", "entraide", "config search-engines on", organiser=True)
    response = await web.client.get("/c/team/kb")
    assert response.headers["X-Robots-Tag"] == "index, follow"
    robots = await (await web.client.get("/robots.txt")).text()
    assert "Allow: /c/team/kb" in robots and robots.rstrip().endswith("Disallow: /")

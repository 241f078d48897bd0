"""What each page shows, read as a person reads it: the figures in the tables beside the
plots, the questions, the knowledge base, the resources, the downloads, the languages."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import event
from sqlalchemy.util.concurrency import await_

from bot.domain import QuestionStatus
from bot.export import community_knowledge, to_csv
from storage import sqlite_driver
from storage.store import Store
from tests.adapters.web.conftest import Web
from tests.adapters.web.html import body, table, text

WEEK, THIS_WEEK = "2026-11-23", "2026-11-30"


async def test_the_overview_shows_each_figure_of_the_period(web: Web):
    await web.log_in()
    html = await (await web.client.get("/c/team/overview")).text()
    assert body(table(html, "table-questions"))[WEEK] == ["3", "2", "1"]
    assert body(table(html, "table-questions"))[THIS_WEEK] == ["0", "0", "0"]
    # Answers after 2 h and after 30 h: the median is 16 h; one of three within 24 h.
    assert body(table(html, "table-median"))[WEEK] == ["16 h 00", "16.0"]
    assert body(table(html, "table-within-day"))[WEEK] == ["33", "1 / 3"]
    assert body(table(html, "table-unanswered")) == {"#remote": ["1"]}
    assert body(table(html, "table-helpers")) == {"Bob": ["1"], "Erin": ["1"]}
    assert body(table(html, "table-prompts"))[THIS_WEEK] == ["1", "1", "2", "2.0"]
    assert body(table(html, "table-upvoted")) == {"https://example.com/engagement": ["Carol", "1"]}
    assert body(table(html, "table-saved")) == {"https://example.com/engagement": ["Carol", "1"]}
    words = text(html)
    assert "2 member(s) gave 2 answer(s); the three most active gave 100 % of them." in words
    for plot in ("questions", "median", "within", "unanswered", "helpers", "prompts"):
        assert f'<svg class="plot" id="plot-{plot}"' in html, plot
    assert 'data-value="3"' in html  # the week's bar for the questions asked


async def test_the_period_selector_takes_4_12_or_52_weeks(web: Web):
    await web.log_in()
    for asked, rows in (("4", 4), ("12", 12), ("52", 52), ("7", 12), ("x", 12)):
        html = await (await web.client.get(f"/c/team/overview?weeks={asked}")).text()
        assert len(table(html, "table-questions")) == rows + 1, asked


async def test_the_questions_page_filters_by_state_and_tag_and_links_to_the_chat(web: Web):
    await web.log_in()
    html = await (await web.client.get("/c/team/questions?status=unanswered")).text()
    rows = table(html, "table-question-list")[1:]
    assert [row[1] for row in rows] == ["Nobody answers me in virtual classes"]
    assert f'href="https://chat.example/team/help/{web.ids["q2"]}"' in html
    html = await (await web.client.get("/c/team/questions?tag=engagement")).text()
    titles = [row[1] for row in table(html, "table-question-list")[1:]]
    assert titles == [
        "Which tool for quizzes?",
        "How do I keep learners engaged? · in the knowledge base",
    ]
    html = await (await web.client.get("/c/team/questions?status=resolved")).text()
    assert "1 question(s)" in text(html)


async def test_the_knowledge_base_is_searched_like_slash_search(web: Web):
    await web.log_in("bob", "library")
    html = await (await web.client.get("/c/team/kb?q=polls")).text()
    assert "1 result(s)" in text(html)
    assert 'href="/c/team/kb/questions/1"' in html
    html = await (await web.client.get("/c/team/kb?q=wooclap")).text()
    assert "Nothing found" in text(html)  # answered, not resolved: not knowledge yet
    html = await (await web.client.get("/c/team/kb?q=check-in")).text()
    assert "I start each session with a one-minute check-in" in text(html)
    page = text(await (await web.client.get("/c/team/kb/questions/1")).text())
    assert "How do I keep learners engaged?" in page
    assert "Accepted answer Short polls every 20 minutes Bob" in page
    assert "Asked by Alice" in page
    assert (await web.client.get("/c/team/kb/questions/3")).status == 404  # not resolved


async def test_the_resources_page_shows_tags_notes_sharer_and_upvotes(web: Web):
    await web.log_in("bob", "library")
    page = text(await (await web.client.get("/c/team/resources?sort=upvotes")).text())
    assert "https://example.com/engagement shared by Carol" in page
    assert "1 upvote(s) #engagement Great tips" in page
    page = text(await (await web.client.get("/c/team/resources?tag=nothing")).text())
    assert "0 resource(s)" in page


async def test_the_downloads_are_the_export(web: Web):
    await web.log_in()
    json_response = await web.client.get("/c/team/export.json")
    assert "attachment" in json_response.headers["Content-Disposition"]
    exported = json.loads(await json_response.text())
    async with web.community.store.transaction() as tx:
        knowledge = await community_knowledge(tx, "team")
    assert exported["communities"] == [json.loads(json.dumps(knowledge))]
    csv_response = await web.client.get("/c/team/export.csv")
    assert await csv_response.text() == to_csv([knowledge])
    page = text(await (await web.client.get("/c/team/downloads")).text())
    assert "Export as JSON" in page and "Export as CSV" in page


async def _committed_while_read(web: Web, path: str, write) -> str:
    """GET ``path``; ``write`` (a unit of work of another store, committed at once) runs just
    after the page's first statement that reads the questions. The page's text."""
    engine, written = web.community.store.engine, []

    def after(_conn, _cursor, statement, *_args) -> None:
        if not written and "FROM questions" in statement:
            written.append(statement)
            await_(write(Store(engine)))

    event.listen(engine.sync_engine, "after_cursor_execute", after)
    try:
        page = await (await web.client.get(path)).text()
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", after)
    assert written
    return page


async def test_an_export_reads_the_community_as_it_was_when_it_began(web: Web):
    """A reply committed while an export is read (just after its questions were) is not in
    it, not even half: it is in the next one."""
    await web.log_in()

    async def reply(elsewhere: Store) -> None:
        async with elsewhere.transaction() as tx:
            await tx.questions.add_answer(
                "team", 1, "zoe", "Written meanwhile", "late-reply", web.community.clock.now()
            )

    def replies(export: dict) -> list[str]:
        questions = export["communities"][0]["questions"]
        return [answer["text"] for question in questions for answer in question["answers"]]

    during = json.loads(await _committed_while_read(web, "/c/team/export.json", reply))
    assert "Written meanwhile" not in replies(during)
    after = await (await web.client.get("/c/team/export.json")).json()
    assert "Written meanwhile" in replies(after)


async def test_a_page_reads_the_community_as_it_was_when_it_began(web: Web):
    """A question posted while the questions page is read (just after it counted them) is in
    neither its count nor its list: the two agree, and the next load shows it."""
    await web.log_in()

    async def ask(elsewhere: Store) -> None:
        async with elsewhere.transaction() as tx:
            asked = await tx.questions.add(
                "team",
                "help",
                "zoe",
                False,
                "Asked meanwhile",
                "",
                (),
                QuestionStatus.OPEN,
                web.community.clock.now(),
            )
            await tx.questions.update(replace(asked, message_id="late-card"))  # posted

    html = await _committed_while_read(web, "/c/team/questions", ask)
    listed = [row[1] for row in table(html, "table-question-list")[1:]]
    assert "Asked meanwhile" not in listed and f"{len(listed)} question(s)" in text(html)
    html = await (await web.client.get("/c/team/questions")).text()
    assert "Asked meanwhile" in [row[1] for row in table(html, "table-question-list")[1:]]
    assert f"{len(listed) + 1} question(s)" in text(html)


async def test_pages_follow_the_browser_then_the_choice_made(web: Web):
    await web.log_in()
    french = await web.client.get("/c/team/overview", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "Questions posées par semaine" in await french.text()
    chosen = await web.client.get("/c/team/overview?lang=en", headers={"Accept-Language": "fr-FR"})
    assert "Questions asked per week" in await chosen.text()
    kept = await web.client.get("/c/team/kb", headers={"Accept-Language": "fr-FR"})
    assert "Search the knowledge base" in await kept.text()


async def test_config_lists_the_web_settings(web: Web):
    reply = await web.community.command("olga", "entraide", "config", organiser=True)
    assert "public-library: off" in reply.plain_text()
    reply = await web.community.command("bob", "entraide", "config public-library on")
    assert "Only organisers" in reply.plain_text()
    reply = await web.community.command(
        "olga", "entraide", "config public-library maybe", organiser=True
    )
    assert "on or off" in reply.plain_text()


async def test_on_sqlite_a_page_reads_in_sqlites_thread_not_the_bots_loop(web: Web, monkeypatch):
    """A year of reports must not hold the event loop that acknowledges members' commands."""
    if web.site.store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's thread: PostgreSQL's driver never holds the loop")
    await web.log_in()
    on_the_loop = []
    run_here = sqlite_driver._run_here
    monkeypatch.setattr(
        sqlite_driver, "_run_here", lambda *args: on_the_loop.append(args[2]) or run_here(*args)
    )
    html = await (await web.client.get("/c/team/overview?weeks=52")).text()
    assert "table-questions" in html
    # Only who may look is read there (the community's language, its web settings).
    assert [statement.split("FROM ")[1].split()[0] for statement in on_the_loop] == [
        "communities",
        "web_settings",
    ]

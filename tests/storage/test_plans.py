"""SQLite's plans for the statements every reaction and every search runs.

SQLite keeps no statistics: of two indexes that match as many columns, it may take the one
that reads a whole community. These are checked with ``EXPLAIN QUERY PLAN`` on the very
statements the repositories send, not timed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store
from tests.conftest import make_community


@pytest.fixture
async def store(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'plans.db'}")
    await upgrade(engine)
    yield Store(engine)
    await engine.dispose()


async def plans_of(store: Store, work) -> list[str]:
    """The query plans of the statements ``work(tx)`` sent, each as one text."""

    async def in_one_unit_of_work() -> None:
        async with store.transaction() as tx:
            await work(tx)

    return await plans_while(store, in_one_unit_of_work)


async def plans_while(store: Store, work) -> list[str]:
    """The query plans of the statements sent while ``work()`` ran, each as one text."""
    sent: list[tuple[str, tuple]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(store.engine.sync_engine, "before_cursor_execute", keep)
    try:
        await work()
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", keep)
    plans = []
    async with store.engine.connect() as conn:
        for statement, parameters in sent:
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans.append(" / ".join(row[-1] for row in rows))
    return plans


async def test_a_reaction_counts_one_answers_helpful_marks_by_that_message(store):
    team = make_community(store, "team")
    card = await team.ask("alice", "How do I run a retrospective?")
    answer_message = await team.reply("bob", card, "Start-stop-continue")
    plans = await plans_of(
        store, lambda tx: tx.questions.answer_and_question("team", answer_message)
    )
    marks = [p for p in plans if "marks" in p]
    assert marks and all("ix_marks_message" in p for p in marks), plans


async def test_a_search_counts_each_resources_upvotes_by_its_message(store):
    team = make_community(store, "team")
    await team.command("alice", "share", "https://example.com/retro #retro A guide")
    plans = await plans_of(store, lambda tx: tx.resources.by_ids("team", [1, 2, 3, 4, 5]))
    marks = [p for p in plans if "marks" in p]
    assert marks and all("ix_marks_message" in p for p in marks), plans


async def test_a_tick_reads_the_open_questions_of_every_community_not_all_questions(store):
    """Round-ups, routing and nudges look at every community's open questions at each tick."""
    team = make_community(store, "team")
    card = await team.ask("alice", "How do I run a retrospective?")
    await team.reply("bob", card, "Start-stop-continue")
    await team.ask("carol", "Which microphone for podcasts? #audio")
    team.clock.set(team.clock.now() + timedelta(days=3))
    plans = await plans_while(store, lambda: team.entraide.run_due(team.clock.now()))
    questions = [p for p in plans if "questions" in p]
    assert questions and not any("SCAN questions" in p for p in questions), plans


async def test_a_reply_in_an_unknown_thread_looks_at_the_posts_in_flight_not_all_posts(store):
    """Every card and edit a community ever had stays a delivery: a reply in a thread of no
    known post reads only those in flight, by their status."""
    team = make_community(store, "team")
    await team.ask("alice", "How do I run a retrospective?")
    plans = await plans_of(store, lambda tx: tx.deliveries.posting("team", ["question"]))
    assert plans == ["SEARCH deliveries USING INDEX ix_deliveries_due (status=?)"], plans


async def test_a_card_reads_its_question_names_taker_and_me_too_by_their_keys(store):
    """Every card posted or edited reads these together: no table is scanned."""
    team = make_community(store, "team")
    card = await team.ask("alice", "How do I run a retrospective?")
    await team.react("bob", card, "raised_hands")
    plans = await plans_of(store, lambda tx: tx.questions.card("team", 1))
    assert plans and not any("SCAN" in p for p in plans), plans
    assert "ix_marks_message" in plans[0], plans


async def test_a_search_reads_its_questions_with_their_accepted_answers_by_their_keys(store):
    team = make_community(store, "team")
    card = await team.ask("alice", "How do I run a retrospective?")
    await team.react("alice", await team.reply("bob", card, "Start-stop-continue"), "✅")
    ids = [1, 2, 3, 4, 5]  # more than three: SQLite's plan changes at four
    plans = await plans_of(store, lambda tx: tx.questions.with_accepted("team", ids))
    assert plans and not any("SCAN" in p for p in plans), plans
    assert "ix_marks_message" in plans[0], plans


async def test_a_questions_routed_requests_are_read_by_its_id_not_the_communitys(store):
    team = make_community(store, "team")
    await team.ask("alice", "How do I run a retrospective?")
    plans = await plans_of(store, lambda tx: tx.routing.for_question("team", 1))
    assert plans and all("(question_id=?)" in p for p in plans), plans

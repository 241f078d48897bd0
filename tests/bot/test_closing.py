"""Why a question closed: solved elsewhere, a duplicate (its card links to the original and
shows its accepted answer), no longer needed; counted in /entraide stats and the export."""

from __future__ import annotations

import csv
import io
import json

from bot.domain import CloseReason, QuestionStatus
from bot.export import community_knowledge, to_csv, to_json
from bot.questions.card import CLOSE, REOPEN
from bot.questions.closing import DUPLICATE, DUPLICATE_OF, NOT_NEEDED, SOLVED_ELSEWHERE
from bot.replies import Style
from tests.conftest import START


async def question(community, number: int):
    async with community.store.transaction() as tx:
        return await tx.questions.get(community.id, number)


async def test_close_offers_the_three_reasons_and_the_card_says_which(community):
    card = await community.ask("alice", "Which projector?")
    reasons = await community.press("alice", CLOSE, "1")
    assert reasons.private and "Why close Q1?" in reasons.plain_text()
    assert [(b.label, b.action, b.value) for b in reasons.buttons] == [
        ("Solved elsewhere", SOLVED_ELSEWHERE, "1"),
        ("Duplicate of another question", DUPLICATE, "1"),
        ("No longer needed", NOT_NEEDED, "1"),
    ]
    refused = await community.press("bob", SOLVED_ELSEWHERE, "1")
    assert "Only the person who asked" in refused.plain_text()
    done = await community.press("alice", SOLVED_ELSEWHERE, "1")
    assert "Question Q1 is closed (solved elsewhere)" in done.plain_text()
    closed = await question(community, 1)
    assert (closed.status, closed.close_reason) == (
        QuestionStatus.CLOSED,
        CloseReason.SOLVED_ELSEWHERE,
    )
    shown = community.chat.last_edit(card)
    assert "Closed: solved elsewhere" in shown.plain_text() and shown.buttons[0].action == REOPEN
    await community.press("alice", REOPEN, "1")
    reopened = await question(community, 1)
    assert (reopened.status, reopened.close_reason, reopened.closed_at) == (
        QuestionStatus.OPEN,
        None,
        None,
    )


async def test_a_duplicate_links_to_the_original_and_shows_its_accepted_answer(community):
    original = await community.ask("alice", "How do I keep learners engaged in long sessions?")
    answer = await community.reply("bob", original, "Short polls every twenty minutes")
    await community.react("alice", answer, "white_check_mark")
    other = await community.ask("carol", "Which whiteboard app do you use?")
    # Asked anyway, after the suggestion:
    offered = await community.command("dave", "ask", "Keeping learners engaged in long sessions?")
    await community.press("dave", offered.buttons[0].action, offered.buttons[0].value)
    card = community.chat.posts_in("help")[-1].message_id
    candidates = await community.press("dave", DUPLICATE, "3")
    assert "Q3 is a duplicate of which question?" in candidates.plain_text()
    assert [(b.label, b.value) for b in candidates.buttons] == [
        ("Q1 · How do I keep learners engaged in long sessions?", "3:1")
    ]
    assert other  # Q2 shares no word with it: not offered
    await community.press("dave", DUPLICATE_OF, "3:1")
    closed = await question(community, 3)
    assert (closed.close_reason, closed.duplicate_of) == (CloseReason.DUPLICATE, 1)
    shown = community.chat.last_edit(card)
    text = shown.plain_text()
    assert "Duplicate of Q1 How do I keep learners engaged in long sessions?" in text
    assert "Its accepted answer: Short polls every twenty minutes" in text
    links = [s.target for line in shown.lines for s in line if s.style is Style.MESSAGE]
    assert links == [original]


async def test_open_questions_are_offered_too_and_the_duplicates_card_follows_the_original(
    community,
):
    original = await community.ask("alice", "Which projector for a small room?")
    duplicate = await community.ask("bob", "Projector for a small training room?")
    candidates = await community.press("bob", DUPLICATE, "2")
    assert [b.value for b in candidates.buttons] == ["2:1"]
    await community.press("bob", DUPLICATE_OF, "2:1")
    assert "accepted answer" not in community.chat.last_edit(duplicate).plain_text()
    answer = await community.reply("carol", original, "A short-throw one")
    await community.react("alice", answer, "white_check_mark")
    assert (
        "Its accepted answer: A short-throw one" in community.chat.last_edit(duplicate).plain_text()
    )


async def test_no_candidate_offers_the_other_reasons_and_forged_pairs_are_refused(community):
    await community.ask("alice", "Completely unique wording here?")
    none = await community.press("alice", DUPLICATE, "1")
    assert "No question similar to Q1" in none.plain_text()
    assert [b.action for b in none.buttons] == [SOLVED_ELSEWHERE, NOT_NEEDED]
    for value in ("1:1", "1:9", "1", "1:x", "1:2:3"):
        refused = await community.press("alice", DUPLICATE_OF, value)
        assert refused.private, value
    assert (await question(community, 1)).status is QuestionStatus.OPEN


async def test_stats_and_the_export_count_the_reasons(community):
    for n, reason in enumerate((SOLVED_ELSEWHERE, SOLVED_ELSEWHERE, NOT_NEEDED), start=1):
        await community.ask("alice", f"Question number {n} about topic{n}?")
        await community.press("alice", reason, str(n))
    await community.ask("bob", "Question number four about topic1?")
    await community.press("bob", DUPLICATE_OF, "4:1")
    text = (await community.command("erin", "entraide", "stats")).plain_text()
    assert "Closed this month: 2 solved elsewhere, 1 duplicate(s), 1 no longer needed." in text
    async with community.store.transaction() as tx:
        knowledge = await community_knowledge(tx, community.id)
    exported = json.loads(to_json([knowledge], START))["communities"][0]["questions"]
    assert [(q["close_reason"], q["duplicate_of"]) for q in exported] == [
        ("solved_elsewhere", None),
        ("solved_elsewhere", None),
        ("no_longer_needed", None),
        ("duplicate", 1),
    ]
    rows = list(csv.DictReader(io.StringIO(to_csv([knowledge]))))
    assert [(r["close_reason"], r["duplicate_of"]) for r in rows] == [
        ("solved_elsewhere", ""),
        ("solved_elsewhere", ""),
        ("no_longer_needed", ""),
        ("duplicate", "1"),
    ]

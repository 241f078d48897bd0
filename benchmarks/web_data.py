"""The big community of the web pages' benchmark (``web.py``): ``fill`` writes its
questions, answers, resources (tags, notes, upvotes), weekly prompts with their replies and
the search index straight into the tables, in batches.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from bot.search import Kind
from bot.text import fold
from storage.store import Store
from storage.tables import (
    answers,
    communities,
    marks,
    members,
    occurrences,
    practice_shares,
    questions,
    resource_notes,
    resource_tags,
    resources,
    schedules,
    search_documents,
)

COMMUNITY = "bench"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
WEEKS_OF_DATA = 260  # five years: about 385 questions a week, a very large community
MEMBERS = 2000
TAGS = "engagement remote feedback tools posture assessment design inclusion failures onboarding mentoring quizzes video slides groups evaluation hybrid coaching rhythm agenda".split()
WORDS = "learners engaged session polls feedback quiz remote camera whiteboard rubric video slides onboarding mentor group debate breakout retrospective icebreaker agenda attention energy silence trust practice exercise evaluation formation apprenants séance classe virtuelle retour outil évaluation groupe atelier pédagogie compétences".split()
BATCH = 5000


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


async def fill(store: Store, items: int, seed: int = 20261203) -> None:
    """One community: ``items`` questions and ``items`` resources over ``WEEKS_OF_DATA``
    weeks (five years)."""
    rng = random.Random(seed)
    start = NOW - timedelta(weeks=WEEKS_OF_DATA)
    span = (NOW - start).total_seconds()
    people = [f"U{i:05d}" for i in range(MEMBERS)]
    helpers = people[:300]  # a few hundred members give most answers
    async with store.engine.begin() as conn:
        await conn.execute(
            insert(communities).values(
                id=COMMUNITY,
                language="en",
                timezone="Europe/Paris",
                helpful_emoji="white_check_mark",
                me_too_emoji="eyes",
                bookmark_emoji="bookmark",
                reminder_delay_minutes=1440,
                created_at=start,
            )
        )
        await conn.execute(
            insert(members),
            [
                {
                    "community_id": COMMUNITY,
                    "member_id": p,
                    "name": f"Member {p}",
                    "last_seen_at": NOW,
                }
                for p in people
            ],
        )
    question_rows, answer_rows, docs = [], [], []
    answer_id = 0
    for qid in range(1, items + 1):
        created = start + timedelta(seconds=span * qid / (items + 1))
        roll = rng.random()
        status = (
            "open"
            if roll < 0.12
            else "answered"
            if roll < 0.22
            else "closed"
            if roll < 0.3
            else "resolved"
        )
        first = None
        accepted = None
        resolved_at = None
        if status != "open" or rng.random() < 0.1:
            first = created + timedelta(seconds=rng.lognormvariate(math.log(5 * 3600), 1.2))
            for n in range(rng.choice((1, 1, 2, 3))):
                answer_id += 1
                answer_rows.append(
                    {
                        "id": answer_id,
                        "community_id": COMMUNITY,
                        "question_id": qid,
                        "author_id": rng.choice(helpers)
                        if rng.random() < 0.8
                        else rng.choice(people),
                        "text": sentence(rng, 12),
                        "message_id": f"a{answer_id}",
                        "created_at": first + timedelta(hours=3 * n),
                    }
                )
                accepted = accepted or answer_id
            if status == "open":
                status = "answered"
        if status == "resolved":
            resolved_at = first + timedelta(hours=rng.uniform(1, 72))
        title = sentence(rng, 8)
        tags = rng.sample(TAGS, rng.choice((0, 1, 1, 2)))
        question_rows.append(
            {
                "id": qid,
                "community_id": COMMUNITY,
                "channel_id": "help",
                "message_id": f"q{qid}",
                "asker_id": rng.choice(people),
                "anonymous": rng.random() < 0.05,
                "title": title,
                "details": sentence(rng, 20),
                "tags": tags,
                "status": status,
                "created_at": created,
                "first_answer_at": first,
                "resolved_at": resolved_at,
                "accepted_answer_id": accepted if status == "resolved" else None,
                "reminders_sent": 0,
            }
        )
        if status == "resolved":
            docs.append(
                {
                    "community_id": COMMUNITY,
                    "kind": Kind.QUESTION.value,
                    "ref_id": qid,
                    "title": fold(f"{title} {' '.join(tags)}"),
                    "body": fold(answer_rows[-1]["text"]),
                }
            )
    resource_rows, tag_rows, note_rows, mark_rows = [], [], [], []
    for rid in range(1, items + 1):
        created = start + timedelta(seconds=span * rid / (items + 1))
        sharer = rng.choice(people)
        tags = rng.sample(TAGS, rng.choice((1, 1, 2, 3)))
        resource_rows.append(
            {
                "id": rid,
                "community_id": COMMUNITY,
                "url": f"https://example.org/{rid}/{rng.choice(WORDS)}",
                "title": "",
                "shared_by": sharer,
                "post_message_id": f"r{rid}",
                "created_at": created,
            }
        )
        tag_rows += [{"community_id": COMMUNITY, "resource_id": rid, "tag": t} for t in tags]
        note = sentence(rng, 10)
        note_rows.append(
            {
                "community_id": COMMUNITY,
                "resource_id": rid,
                "author_id": sharer,
                "text": note,
                "created_at": created,
            }
        )
        for voter in rng.sample(people, rng.choice((0, 0, 1, 1, 2, 4))):
            mark_rows.append(
                {
                    "community_id": COMMUNITY,
                    "message_id": f"r{rid}",
                    "member_id": voter,
                    "kind": "upvote",
                    "created_at": created + timedelta(hours=rng.uniform(1, 96)),
                }
            )
        docs.append(
            {
                "community_id": COMMUNITY,
                "kind": Kind.RESOURCE.value,
                "ref_id": rid,
                "title": fold(resource_rows[-1]["url"].replace("/", " ")),
                "body": fold(" ".join(tags) + " " + note),
            }
        )
    async with store.engine.begin() as conn:
        for table, rows in (
            (questions, question_rows),
            (answers, answer_rows),
            (resources, resource_rows),
            (resource_tags, tag_rows),
            (resource_notes, note_rows),
            (marks, mark_rows),
            (search_documents, docs),
        ):
            for i in range(0, len(rows), BATCH):
                await conn.execute(insert(table), rows[i : i + BATCH])
        schedule = (
            await conn.execute(
                insert(schedules)
                .values(
                    community_id=COMMUNITY,
                    kind="prompt",
                    channel_id="practice",
                    weekday=0,
                    local_time="09:30",
                    timezone="Europe/Paris",
                    created_at=start,
                )
                .returning(schedules.c.id)
            )
        ).scalar_one()
        share_id = 0
        for week in range(WEEKS_OF_DATA):
            due = start + timedelta(weeks=week)
            occurrence = (
                await conn.execute(
                    insert(occurrences)
                    .values(
                        community_id=COMMUNITY,
                        schedule_id=schedule,
                        channel_id="practice",
                        week=f"w{week}",
                        due_at=due,
                        status="posted",
                        prompt_id=f"p{week}",
                        message_id=f"o{week}",
                        queued_at=due,
                        posted_at=due,
                    )
                    .returning(occurrences.c.id)
                )
            ).scalar_one()
            shares = [
                {
                    "community_id": COMMUNITY,
                    "occurrence_id": occurrence,
                    "author_id": rng.choice(people),
                    "text": sentence(rng, 15),
                    "message_id": f"s{(share_id := share_id + 1)}",
                    "created_at": due + timedelta(hours=rng.uniform(1, 72)),
                }
                for _ in range(rng.randint(0, 12))
            ]
            if shares:
                await conn.execute(insert(practice_shares), shares)
    async with store.engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()

"""Generated communities for the search benchmark: text, product rows, fast loading.

One community holds N resources and N resolved questions (each with its accepted
answer), interleaved in time as a community gathers them, with French and English
text about training and teaching drawn from Zipf-like vocabularies. Members,
tags, notes and upvotes exist too, so that loading a hit costs what it costs in
production. ``search_documents`` is filled as the core fills it (folded text,
the same fields), without going through the core: that would take an hour.

SQLite is loaded with executemany in a few large transactions; PostgreSQL with
COPY, then ``VACUUM ANALYZE`` as autovacuum would do after such a load.

The vocabularies and the queries are in ``search_text.py``.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from search_text import Vocabulary
from sqlalchemy import JSON, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import MarkKind, QuestionStatus
from bot.search import Kind
from bot.text import fold
from storage.tables import (
    answers,
    communities,
    marks,
    members,
    questions,
    resource_notes,
    resource_tags,
    resources,
    search_documents,
)

COMMUNITY = "bench"
MEMBERS = 2_000
BATCH = 20_000  # rows per executemany: large enough that per-call overhead vanishes
BATCHES_PER_TRANSACTION = 5  # a few big transactions: FTS5 flushes fewer, larger segments
PHRASE_SOURCES = 250  # bodies kept to quote phrases that do occur
START = datetime(2024, 1, 1, tzinfo=UTC)
TAGS = (
    "assessment feedback onboarding remote hybrid rubric mentoring slides video quiz "
    "evaluation pedagogie formation atelier numerique"
).split()


def _sentences(rng: random.Random, words: list[str]) -> str:
    """Capitalised sentences of 6-15 words: the folding and tokenising see real-looking text."""
    parts: list[str] = []
    start = 0
    while start < len(words):
        stop = start + rng.randint(6, 15)
        sentence = " ".join(words[start:stop])
        parts.append(sentence[:1].upper() + sentence[1:] + ".")
        start = stop
    return " ".join(parts)


@dataclass(frozen=True)
class Item:
    """One searchable item as a community gathers it: a resource or a resolved question."""

    document_id: int  # its row in search_documents: the order of arrival
    kind: Kind
    ref_id: int  # the resource's or the question's id (a question's accepted answer has it too)
    at: datetime
    language: str
    title: str
    body: str
    author: str
    other: str  # who answered, for a question
    tags: tuple[str, ...]
    has_note: bool
    voters: tuple[str, ...]


def community_row() -> dict:
    return {
        "id": COMMUNITY,
        "language": "fr",
        "timezone": "Europe/Paris",
        "help_channel": "help",
        "resources_channel": None,
        "helpful_emoji": "white_check_mark",
        "me_too_emoji": "eyes",
        "bookmark_emoji": "bookmark",
        "reminder_delay_minutes": 1440,
        "created_at": START,
    }


def member_ids() -> list[str]:
    return [f"U{n:05d}" for n in range(MEMBERS)]


def items(rng: random.Random, vocab: dict[str, Vocabulary], count: int) -> list[Item]:
    """``count`` items in order of arrival; every even-length prefix holds as many resources
    as questions, so that one generation serves every size."""
    members_ = member_ids()
    made: list[Item] = []
    next_id = {Kind.RESOURCE: 1, Kind.QUESTION: 1}
    while len(made) < count:
        pair = [Kind.RESOURCE, Kind.QUESTION]
        rng.shuffle(pair)
        for kind in pair:
            document_id = len(made) + 1
            language = "fr" if rng.random() < 0.55 else "en"
            title_length = rng.randint(5, 12)
            words = vocab[language].draw(rng, title_length + rng.randint(20, 80))
            title = " ".join(words[:title_length])
            made.append(
                Item(
                    document_id=document_id,
                    kind=kind,
                    ref_id=next_id[kind],
                    at=START + timedelta(minutes=3 * document_id),
                    language=language,
                    title=title[:1].upper() + title[1:],
                    body=_sentences(rng, words[title_length:]),
                    author=rng.choice(members_),
                    other=rng.choice(members_),
                    tags=tuple(rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2, 3)))),
                    has_note=rng.random() < 0.7,
                    voters=tuple(rng.sample(members_, rng.choice((0, 0, 0, 1, 2, 4)))),
                )
            )
            next_id[kind] += 1
    return made[:count]


def _question_parts(item: Item) -> tuple[str, str, str]:
    """Title, details and accepted answer: the body cut after its first third."""
    title = item.title + (" ?" if item.language == "fr" else "?")
    cut = item.body.find(". ", len(item.body) // 3)
    if cut < 0:
        return title, "", item.body
    return title, item.body[: cut + 1], item.body[cut + 2 :]


def _url(item: Item) -> str:
    host = "example.org" if item.ref_id % 3 else "learn.example.com"
    return f"https://{host}/{item.ref_id}/" + "-".join(fold(item.title).split()[:3])


def document(item: Item) -> dict:
    """The search row, folded as the core folds it (bot.help.index_question, bot.resources.index_resource)."""
    if item.kind is Kind.QUESTION:
        title, details, answer = _question_parts(item)
        doc_title = fold(f"{title} {' '.join(item.tags)}")
        doc_body = fold(f"{details} {answer}")
    else:
        url_words = re.sub(r"[^\w]+", " ", _url(item).split("://", 1)[-1])
        doc_title = fold(f"{item.title} {url_words}")
        doc_body = fold(" ".join([*item.tags, *([_note(item)] if item.has_note else [])]))
    return {
        "id": item.document_id,
        "community_id": COMMUNITY,
        "kind": item.kind.value,
        "ref_id": item.ref_id,
        "title": doc_title,
        "body": doc_body,
    }


def _note(item: Item) -> str:
    return item.body[:500]


def rows(item: Item) -> Iterator[tuple[Table, dict]]:
    """Every row the item brings, search row last."""
    if item.kind is Kind.QUESTION:
        title, details, answer = _question_parts(item)
        yield (
            questions,
            {
                "id": item.ref_id,
                "community_id": COMMUNITY,
                "channel_id": "help",
                "message_id": f"q{item.ref_id}",
                "asker_id": item.author,
                "anonymous": False,
                "title": title,
                "details": details,
                "tags": list(item.tags),
                "status": QuestionStatus.RESOLVED.value,
                "created_at": item.at,
                "first_answer_at": item.at + timedelta(minutes=1),
                "resolved_at": item.at + timedelta(minutes=2),
                "accepted_answer_id": item.ref_id,
                "reminders_sent": 0,
            },
        )
        yield (
            answers,
            {
                "id": item.ref_id,
                "community_id": COMMUNITY,
                "question_id": item.ref_id,
                "author_id": item.other,
                "text": answer,
                "message_id": f"a{item.ref_id}",
                "created_at": item.at + timedelta(minutes=1),
            },
        )
    else:
        yield (
            resources,
            {
                "id": item.ref_id,
                "community_id": COMMUNITY,
                "url": _url(item),
                "title": item.title,
                "shared_by": item.author,
                "source_message_id": None,
                "post_message_id": f"r{item.ref_id}",
                "created_at": item.at,
            },
        )
        for tag in item.tags:
            yield resource_tags, {"community_id": COMMUNITY, "resource_id": item.ref_id, "tag": tag}
        if item.has_note:
            yield (
                resource_notes,
                {
                    "id": item.ref_id,  # at most one note per resource here
                    "community_id": COMMUNITY,
                    "resource_id": item.ref_id,
                    "author_id": item.author,
                    "text": _note(item),
                    "created_at": item.at,
                },
            )
        for voter in item.voters:
            yield (
                marks,
                {
                    "community_id": COMMUNITY,
                    "message_id": f"r{item.ref_id}",
                    "member_id": voter,
                    "kind": MarkKind.UPVOTE.value,
                    "created_at": item.at,
                },
            )
    yield search_documents, document(item)


# Parents before children, search rows last (their triggers or generated column do the indexing).
LOAD_ORDER = (
    members,
    resources,
    resource_tags,
    resource_notes,
    marks,
    questions,
    answers,
    search_documents,
)


def batches(chosen: list[Item]) -> Iterator[tuple[Table, list[dict]]]:
    """Rows per table in batches of at most BATCH, parents first."""
    yield (
        members,
        [
            {
                "community_id": COMMUNITY,
                "member_id": m,
                "name": f"Member {m}",
                "last_seen_at": START,
            }
            for m in member_ids()
        ],
    )
    pending: dict[str, list[dict]] = {t.name: [] for t in LOAD_ORDER}
    for start in range(0, len(chosen), BATCH):
        for item in chosen[start : start + BATCH]:
            for table, row in rows(item):
                pending[table.name].append(row)
        for table in LOAD_ORDER:
            if pending[table.name]:
                yield table, pending[table.name]
                pending[table.name] = []


async def load_sqlite(engine: AsyncEngine, chosen: list[Item]) -> None:
    async with engine.connect() as conn:
        # Durability is irrelevant for a throwaway load; put it back for the measurements.
        await conn.exec_driver_sql("PRAGMA synchronous=OFF")
        await conn.commit()
        await conn.execute(communities.insert(), community_row())
        done = 0
        for table, table_rows in batches(chosen):
            await conn.execute(table.insert(), table_rows)
            done += 1
            if done % (BATCHES_PER_TRANSACTION * len(LOAD_ORDER)) == 0:
                await conn.commit()
        await conn.commit()
        await conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
        await conn.commit()


async def load_postgres(engine: AsyncEngine, chosen: list[Item]) -> None:
    """COPY every table (the generated tsvector fills itself), then what autovacuum would do."""
    async with engine.connect() as conn:
        await conn.execute(communities.insert(), community_row())
        raw = (await conn.get_raw_connection()).driver_connection
        for table, table_rows in batches(chosen):
            columns = list(table_rows[0])
            json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
            records = [
                tuple(json.dumps(r[c]) if c in json_columns else r[c] for c in columns)
                for r in table_rows
            ]
            await raw.copy_records_to_table(table.name, records=records, columns=columns)
        for table in (resources, resource_notes, questions, answers, search_documents):
            await conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table.name}))"
                )
            )
        await conn.commit()
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("VACUUM ANALYZE")


def phrase_sources(chosen: list[Item]) -> list[list[str]]:
    """Folded bodies of the first items, to quote phrases that do occur."""
    found = [document(i)["body"].split() for i in chosen[: PHRASE_SOURCES * 2]]
    return [words for words in found if len(words) > 8][:PHRASE_SOURCES]

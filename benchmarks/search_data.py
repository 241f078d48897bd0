"""Generated communities for the search benchmark: text, product rows, fast loading.

One community holds N resources and N resolved questions (each with its accepted
answer), interleaved in time as a community gathers them, with French and English
text about training and teaching drawn from Zipf-like vocabularies. Members,
tags, notes and upvotes exist too, so that loading a hit costs what it costs in
production. ``search_documents`` is filled as the core fills it (folded text,
the same fields), without going through the core: that would take an hour.

SQLite is loaded with executemany in a few large transactions; PostgreSQL with
COPY, then ``VACUUM ANALYZE`` as autovacuum would do after such a load.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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

# Function words come first in each language's ranking, so Zipf makes them the
# most frequent tokens, as in real text.
FR_FUNCTION = (
    "de la le et les des en un une du pour dans que est sur au par pas qui avec "
    "ce il nous on plus se ne sont ou mais aux comme leur tout cette"
).split()
EN_FUNCTION = (
    "the of and to a in is for that on with as it are be this by from or at "
    "an how what we can not do you have our"
).split()
FR_STEMS = (
    "évalu format apprentiss pédagog enseign compétenc élèv étudi séanc exercic "
    "cours modul atelier parcours objecti progrès méthod stratégi réflex expérienc "
    "pratiqu théori savoir connaiss mémoris motiv engag collabor coopér group "
    "équip tut mentor accompagn retour critèr barèm not examen contrôl questionn "
    "répons consign support diaporam vidé docum ressourc bibliothèqu lectur écrit "
    "rédact synthès résum analys problèm situ projet planifi calendri programm "
    "référenti certifi diplôm valid acqu activ simul scénari débat discut échang "
    "communaut réseau partag entraid class amphi distanc présenti hybrid numér "
    "plateform outil logiciel tableau fich modèl gabarit grill rubriqu indicat "
    "résult réussit difficult erreur correct révis entraîn répét rythm durée "
    "pauses attent besoin public adult apprenant stagiair formateur animat "
    "facilit coach conseil orient insert métier emploi entrepris manag respons "
    "sécurit qualit conform procédur process innov créativ curios autonom "
    "confianc bienveill écout clart lisib access inclus handicap divers "
    "interact particip implic questionnement éveil démarch invest approfond"
).split()
EN_STEMS = (
    "assess train learn teach skill student lesson exercis course modul workshop "
    "path goal progress method strateg reflect experienc practic theor knowledg "
    "memor motivat engag collaborat cooperat group team tutor mentor coach "
    "support feedback criteri rubric grad exam test quiz question answer "
    "instruct slide video podcast document resourc librar read writ draft "
    "summar analys problem situat project plan calendar program curricul "
    "certif diplom validat achiev activ simulat scenario debat discuss exchang "
    "communit network shar help class lectur remot onsit hybrid digit platform "
    "tool softwar board templat grid indicat result success difficult error "
    "correct revis rehears repeat rhythm durat break audienc need adult learner "
    "trainee facilitat advis career job compan manag safet qualit complianc "
    "procedur innovat creativ curios autonom confid kind listen clear access "
    "inclus divers interact participat involv inquir approach deepen onboard "
    "mentee cohort syllab outcom competenc apprentic pedagog didact"
).split()
FR_SUFFIXES = (
    "e es s er ez é ée és ées ant ation ations eur eurs rice ement ements ique "
    "iques ité ités if ive ifs ion ions age ages able ible iste isme al aux elle"
).split()
EN_SUFFIXES = (
    "e es s ed ing er ers ion ions ive ly ment ments able al ity ness ful less "
    "ist ism ize ized ance ence"
).split()
# Whole words that must exist, accented ones included, for the queries below.
FR_WORDS = (
    "évaluation évaluations élève élèves pédagogie théorie expérience compétences "
    "réussite difficulté séquence activité qualité créer préparer améliorer intégrer "
    "répéter présentiel numérique bienveillance réflexion stratégie méthode formation "
    "formateur apprentissage enseignant enseignement séance atelier"
).split()
EN_WORDS = (
    "assessment training learning teaching feedback onboarding workshop lesson "
    "mentoring coaching rubric syllabus cohort outcome curriculum"
).split()
# Hostile inputs (FTS5 and tsquery syntax, lone quotes, only punctuation), then accents.
FIXED_QUERIES = [
    "NEAR(",
    '"',
    "*",
    "OR",
    "AND",
    "NOT",
    '""',
    "!!! ??? ...",
    "-",
    "(((",
    "NEAR(formation evaluation, 3)",
    "formation OR evaluation",
    '"unterminated phrase',
    "title:formation",
    "^atelier",
    "a*b*c",
    "'; DROP TABLE search_fts; --",
    "a & b | !c:*",
    "évaluation",
    "ÉVALUATION Élèves",
]


@dataclass(frozen=True)
class Probe:
    shape: str  # what kind of query, for the per-shape breakdown
    text: str  # as a member would type it


class Vocabulary:
    """One language's words ranked by frequency, drawn with Zipf-Mandelbrot weights 1/(rank + 2.7).

    The shift keeps the function words at about 40% of the tokens, near their share
    in real text, where a plain 1/rank would give them half.
    """

    def __init__(self, function: list[str], content: list[str]) -> None:
        self.words = function + content
        self.content_start = len(function)
        weights = [1.0 / (rank + 2.7) for rank in range(len(self.words))]
        self.cum_weights = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum_weights, k=k)


def _content_words(
    rng: random.Random, stems: list[str], suffixes: list[str], whole: list[str]
) -> list[str]:
    words = set(whole)
    for stem in stems:
        words.add(stem)
        words.update(stem + suffix for suffix in rng.sample(suffixes, rng.randint(6, 12)))
    # Sorted before shuffling so that the ranking depends on the seed only, not on set order.
    ranked = sorted(words)
    rng.shuffle(ranked)
    return ranked


def vocabularies(rng: random.Random) -> dict[str, Vocabulary]:
    return {
        "fr": Vocabulary(FR_FUNCTION, _content_words(rng, FR_STEMS, FR_SUFFIXES, FR_WORDS)),
        "en": Vocabulary(EN_FUNCTION, _content_words(rng, EN_STEMS, EN_SUFFIXES, EN_WORDS)),
    }


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


def queries(
    rng: random.Random, vocab: dict[str, Vocabulary], count: int, samples: list[list[str]]
) -> list[Probe]:
    """The fixed inputs, then queries cycling through the shapes members type."""
    languages = list(vocab.values())
    accented = sorted({w for v in languages for w in v.words if fold(w) != w})

    def ranked(low: int, high: int) -> str:
        v = rng.choice(languages)
        top = min(v.content_start + high, len(v.words) - 1)
        return v.words[rng.randint(v.content_start + low, top)]

    def rare() -> str:
        v = rng.choice(languages)
        return v.words[rng.randint(len(v.words) - 400, len(v.words) - 1)]

    def phrase() -> str:
        body = [w.strip(".?") for w in rng.choice(samples)]
        start = rng.randrange(len(body) - 3)
        return '"' + " ".join(body[start : start + rng.randint(2, 3)]) + '"'

    def accent() -> str:
        word = rng.choice(accented)
        return word.capitalize() if rng.random() < 0.3 else word

    shapes: dict[str, Callable[[], str]] = {
        "function word": lambda: rng.choice(languages).words[rng.randrange(10)],
        "common word": lambda: ranked(0, 30),
        "middling word": lambda: ranked(30, 600),
        "rare word": rare,
        "two words": lambda: f"{ranked(0, 300)} {ranked(0, 300)}",
        "three words": lambda: f"{ranked(0, 300)} {ranked(0, 600)} {ranked(0, 900)}",
        "phrase": phrase,
        "prefix": lambda: ranked(0, 400)[: rng.randint(3, 5)] + "*",
        "negation": lambda: f"{ranked(0, 100)} -{ranked(0, 100)}",
        "accented": accent,
        "sentence": lambda: " ".join(rng.choice(languages).draw(rng, rng.randint(4, 7))),
        "no match": lambda: f"{ranked(0, 200)} zqxw{rng.randint(0, 999)}",
    }
    made = [Probe("fixed", q) for q in FIXED_QUERIES[:count]]
    cycle: Iterator = itertools.cycle(shapes.items())
    while len(made) < count:
        shape, make = next(cycle)
        made.append(Probe(shape, make()))
    return made

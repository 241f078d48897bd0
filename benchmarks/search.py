"""Search latency on SQLite FTS5: the real search path against the bare FTS5 query.

Builds a fresh SQLite database (schema from the migrations), fills one community
with N resources and N resolved questions of generated French and English text
about training and teaching (folded, as the app stores it), then runs a few
hundred varied queries twice each, interleaved:

* real: ``parse_query`` + ``Transaction.search`` (the community's most recent matches,
  at most 2,000, ranked by bm25 with title weight) inside ``store.transaction()``;
* bare: ``SELECT rowid FROM search_fts WHERE search_fts MATCH :m ORDER BY rank LIMIT 10``
  with the same MATCH string (``fts5_expression``), on a connection of the same engine.

It prints p50/p95/p99 for both, their ratio, and two targets (real p95 < 20 ms,
real p95 within 2x of bare p95), then the latencies per query shape and the
slowest queries. It is a benchmark, not a test: the exit code is 0 whatever the
figures.

    python benchmarks/search.py [--documents N] [--queries N] [--database PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.search import Kind, parse_query
from bot.text import fold
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.search import fts5_expression
from storage.store import Store
from storage.tables import communities, search_documents

COMMUNITY = "bench"
SEED = 20261125
BATCH = 20_000  # rows per executemany: large enough that per-call overhead vanishes
BATCHES_PER_TRANSACTION = 5  # a few big transactions: FTS5 flushes fewer, larger segments
PHRASE_SOURCES = 250  # bodies per kind kept to quote phrases that do occur
TARGET_P95_MS = 20.0
TARGET_RATIO = 2.0

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
# Hostile inputs (FTS5 syntax, lone quotes, only punctuation), then accented spellings.
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
    "évaluation",
    "ÉVALUATION Élèves",
]


@dataclass(frozen=True)
class Probe:
    shape: str  # what kind of query, for the per-shape breakdown
    text: str  # as a member would type it


@dataclass(frozen=True)
class Timing:
    probe: Probe
    real_ms: float
    bare_ms: float


class Vocabulary:
    """One language's words ranked by frequency, drawn with Zipf-Mandelbrot weights 1/(rank + 2.7).

    The shift keeps the function words at about 40% of the tokens, near their share
    in real text, where a plain 1/rank would give them half.
    """

    def __init__(self, function: list[str], content: list[str]) -> None:
        self.words = function + content
        self.content_start = len(function)
        weights = [1.0 / (rank + 2.7) for rank in range(len(self.words))]
        self.cum_weights = list(_accumulate(weights))

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum_weights, k=k)


def _accumulate(values: list[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


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


def documents(
    rng: random.Random, vocab: dict[str, Vocabulary], kind: Kind, count: int
) -> Iterator[dict[str, object]]:
    for ref_id in range(1, count + 1):
        language = "fr" if rng.random() < 0.55 else "en"
        title_length = rng.randint(5, 12)
        words = vocab[language].draw(rng, title_length + rng.randint(20, 80))
        title = " ".join(words[:title_length])
        title = title[:1].upper() + title[1:]
        if kind is Kind.QUESTION:
            title += " ?" if language == "fr" else "?"
        yield {
            "community_id": COMMUNITY,
            "kind": kind.value,
            "ref_id": ref_id,
            # Folded exactly as the core does before tx.search.index().
            "title": fold(title),
            "body": fold(_sentences(rng, words[title_length:])),
        }


async def load(
    engine: AsyncEngine, rng: random.Random, vocab: dict[str, Vocabulary], per_kind: int
) -> list[list[str]]:
    """Insert the community and 2 x per_kind documents; return some bodies to quote phrases from."""
    samples: list[list[str]] = []
    async with engine.connect() as conn:
        # Durability is irrelevant for a throwaway load; put it back for the measurements.
        await conn.exec_driver_sql("PRAGMA synchronous=OFF")
        await conn.commit()
        await conn.execute(
            communities.insert(),
            {
                "id": COMMUNITY,
                "language": "fr",
                "timezone": "Europe/Paris",
                "helpful_emoji": "white_check_mark",
                "me_too_emoji": "raised_hand",
                "bookmark_emoji": "bookmark",
                "reminder_delay_minutes": 1440,
                "created_at": datetime.now(UTC),
            },
        )
        batches = 0
        for kind in (Kind.RESOURCE, Kind.QUESTION):
            batch: list[dict[str, object]] = []
            for row in documents(rng, vocab, kind, per_kind):
                batch.append(row)
                if row["ref_id"] <= PHRASE_SOURCES:
                    samples.append(str(row["body"]).split())
                if len(batch) == BATCH:
                    await conn.execute(search_documents.insert(), batch)
                    batch = []
                    batches += 1
                    if batches % BATCHES_PER_TRANSACTION == 0:
                        await conn.commit()
            if batch:
                await conn.execute(search_documents.insert(), batch)
        await conn.commit()
        await conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
        await conn.commit()
    return samples


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
    cycle = itertools.cycle(shapes.items())
    while len(made) < count:
        shape, make = next(cycle)
        made.append(Probe(shape, make()))
    return made


async def measure(engine: AsyncEngine, probes: list[Probe]) -> list[Timing]:
    """Real and bare latencies of the queries that have an FTS5 expression."""
    store = Store(engine)
    kinds = list(Kind)
    bare_sql = text("SELECT rowid FROM search_fts WHERE search_fts MATCH :m ORDER BY rank LIMIT 10")
    expressions = {p.text: fts5_expression(parse_query(p.text)) for p in probes}

    async def real(q: str) -> float:
        start = time.perf_counter()
        query = parse_query(q)
        async with store.transaction() as tx:
            await tx.search.find(COMMUNITY, query, kinds, limit=10)
        return (time.perf_counter() - start) * 1000

    async def bare(q: str) -> float:
        start = time.perf_counter()
        async with engine.connect() as conn:
            (await conn.execute(bare_sql, {"m": expressions[q]})).all()
        return (time.perf_counter() - start) * 1000

    # Warm-up: page cache, statement caches, pool; the real path also proves that
    # every input, expression or not, goes through without error.
    for probe in probes:
        await real(probe.text)
        if expressions[probe.text] is not None:
            await bare(probe.text)
    timings: list[Timing] = []
    measured = [p for p in probes if expressions[p.text] is not None]
    for index, probe in enumerate(measured):
        # Interleaved, so that drift (caches, other load) hits both sides alike; the
        # order alternates, so that neither side always runs just after the other.
        if index % 2:
            bare_ms = await bare(probe.text)
            real_ms = await real(probe.text)
        else:
            real_ms = await real(probe.text)
            bare_ms = await bare(probe.text)
        timings.append(Timing(probe, real_ms, bare_ms))
    return timings


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def report(timings: list[Timing], skipped: int) -> None:
    real_p = percentiles([t.real_ms for t in timings])
    bare_p = percentiles([t.bare_ms for t in timings])
    print(
        f"\nQueries: {len(timings) + skipped} ({skipped} skipped on both sides: no FTS5 expression)"
    )
    print(f"{'path':<6}{'count':>7}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for name, p in (("real", real_p), ("bare", bare_p)):
        print(f"{name:<6}{len(timings):>7}{p[0]:>10.2f}{p[1]:>10.2f}{p[2]:>10.2f}")
    ratio_p50 = real_p[0] / bare_p[0]
    ratio_p95 = real_p[1] / bare_p[1]
    print(f"ratio real/bare: p50 {ratio_p50:.2f}x, p95 {ratio_p95:.2f}x")
    print("Targets:")
    verdict = "PASS" if real_p[1] < TARGET_P95_MS else "FAIL"
    print(f"  real p95 < {TARGET_P95_MS:.0f} ms: {verdict} ({real_p[1]:.2f} ms)")
    verdict = "PASS" if ratio_p95 <= TARGET_RATIO else "FAIL"
    print(f"  real p95 within {TARGET_RATIO:.0f}x of bare p95: {verdict} ({ratio_p95:.2f}x)")


def breakdown(timings: list[Timing]) -> None:
    """Per query shape and the slowest queries: where to look when a target fails."""
    print(
        f"\n{'shape':<15}{'count':>6}{'real p50':>10}{'real max':>10}{'bare p50':>10}{'bare max':>10}"
    )
    shapes = dict.fromkeys(t.probe.shape for t in timings)
    for shape in shapes:
        real_ms = [t.real_ms for t in timings if t.probe.shape == shape]
        bare_ms = [t.bare_ms for t in timings if t.probe.shape == shape]
        print(
            f"{shape:<15}{len(real_ms):>6}{statistics.median(real_ms):>10.2f}{max(real_ms):>10.2f}"
            f"{statistics.median(bare_ms):>10.2f}{max(bare_ms):>10.2f}"
        )
    print("Slowest real queries (real ms / bare ms):")
    for t in sorted(timings, key=lambda t: -t.real_ms)[:5]:
        print(f"  {t.real_ms:8.2f} / {t.bare_ms:8.2f}  {t.probe.text!r} ({t.probe.shape})")


async def run(per_kind: int, query_count: int, database: Path) -> None:
    engine = create_engine(f"sqlite:///{database}")
    try:
        await upgrade(engine)
        rng = random.Random(SEED)
        vocab = vocabularies(rng)
        start = time.perf_counter()
        samples = await load(engine, rng, vocab, per_kind)
        elapsed = time.perf_counter() - start
        print(
            f"Loaded {2 * per_kind} documents ({per_kind} resources + {per_kind} questions) "
            f"in {elapsed:.1f} s ({2 * per_kind / elapsed:,.0f} documents/s)"
        )
        probes = queries(rng, vocab, query_count, samples)
        start = time.perf_counter()
        timings = await measure(engine, probes)
        print(f"Measured in {time.perf_counter() - start:.1f} s (warm-up included)")
        if len(timings) < 2:
            print("Too few queries with an FTS5 expression to compute percentiles.")
            return
        report(timings, len(probes) - len(timings))
        breakdown(timings)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000, help="documents per kind")
    parser.add_argument("--queries", type=int, default=300, help="queries (at least 200 advised)")
    parser.add_argument("--database", type=Path, help="SQLite file to create and keep")
    args = parser.parse_args()
    if args.documents < 1 or args.queries < 1:
        parser.error("--documents and --queries must be positive")
    if args.database is not None and args.database.exists():
        parser.error(f"{args.database} exists: the benchmark needs a fresh database")
    # The default database lives in a temporary directory so its -wal and -shm go with it.
    workdir = None if args.database else Path(tempfile.mkdtemp(prefix="entraide-bench-"))
    database = args.database or workdir / "search.db"
    print(f"Database: {database}")
    try:
        asyncio.run(run(args.documents, args.queries, database))
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

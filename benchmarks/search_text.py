"""The words and the queries of the search benchmark (``search.py``): French and English
vocabularies ranked Zipf-like (``Vocabulary``, ``vocabularies``), from which
``search_data.py`` writes the documents, and the queries members type, hostile inputs
first (``queries``, each a ``Probe``).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.text import fold

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

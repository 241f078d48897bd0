"""Search queries as the core understands them, whatever a member types.

Members type anything: quotes, ``-``, ``*``, ``NEAR(``, ``OR``, only punctuation.
:func:`parse_query` turns it into folded words and phrases, never an error; the
storage backends (FTS5, PostgreSQL) build their own syntax from these words
only, so nothing a member types reaches a query parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.text import QUERY_MAX, fold

MAX_TERMS = 12
PREFIX_MIN = 3  # shorter words match exactly: "a"* would expand to half the vocabulary
_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
# Common words that would make every document similar to every question.
STOPWORDS = frozenset(
    """a an and are as at be but by can do does for from how i if in is it my of on or so that the
    their there this to was we what when where which who why will with you your
    au aux avec ce ces comment dans de des du elle en est et eux il je la le les leur lui ma mais me
    mes moi mon ne nos notre nous on ou par pas pour qu que qui quoi sa se ses son sur ta te tes toi
    ton tu un une vos votre vous y""".split()
)


class Kind(StrEnum):
    QUESTION = "question"
    SHARE = "share"
    RESOURCE = "resource"


@dataclass(frozen=True)
class Query:
    """Each group must match (all of its words, in order when it is a phrase); ``excluded`` must not.

    With ``any_group`` set, one matching group is enough (similar-question search).
    """

    groups: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()
    any_group: bool = False

    @property
    def empty(self) -> bool:
        return not self.groups


@dataclass(frozen=True)
class Hit:
    kind: Kind
    ref_id: int
    score: float


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text).replace("_", " "))


def is_prefix(word: str) -> bool:
    """Whether a searched word also matches longer words (``engag`` → *engagement*)."""
    return len(word) >= PREFIX_MIN


def parse_query(text: str) -> Query:
    """Words and "quoted phrases" all required; ``-word`` excluded; anything else ignored.

    Common words (stopwords, single letters) are left out when other words remain:
    requiring "how" or "a" finds less, and costs the most.
    """
    groups: list[tuple[str, ...]] = []
    excluded: list[str] = []
    for match in _TOKEN.finditer((text or "")[:QUERY_MAX]):
        negated = bool(match.group(1) or match.group(3))
        phrase = match.group(2)
        found = words(phrase if phrase is not None else match.group(4))
        if not found or (phrase is None and found == ["or"] and match.group(4) == "OR"):
            continue
        if negated:
            excluded.extend(found)
        elif phrase is not None:
            groups.append(tuple(found))
        else:
            groups.extend((word,) for word in found)
    significant = [g for g in groups if len(g) > 1 or (g[0] not in STOPWORDS and len(g[0]) > 1)]
    return Query(tuple((significant or groups)[:MAX_TERMS]), tuple(excluded[:MAX_TERMS]))


def similarity_query(text: str) -> Query:
    """Any of the significant words of a question: the candidates for "already answered"."""
    significant = [w for w in dict.fromkeys(words(text)) if w not in STOPWORDS and len(w) > 2]
    return Query(tuple((w,) for w in significant[:MAX_TERMS]), any_group=True)

"""``/search``: resolved questions with their accepted answers, practice shares and resources together."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Context
from bot.core import Core
from bot.domain import Answer, PracticeShare, Question, Resource
from bot.i18n import spans
from bot.replies import Line, Message, bold, italic, mention, plain, private
from bot.resources import resource_line
from bot.search import Hit, Kind, parse_query
from bot.text import excerpt

RESULTS = 8


@dataclass(frozen=True)
class Found:
    """A search's hits, best first, with what their lines show."""

    hits: list[Hit]
    questions: dict[int, tuple[Question, Answer | None]]
    shares: dict[int, PracticeShare]
    resources: dict[int, Resource]
    names: dict[str, str]


async def search_first(core: Core, community_id: str, options: dict) -> dict[str, object]:
    """The search and its hits, read before ``search``'s unit of work: on SQLite, a search
    of a large community takes milliseconds that the writer's turn need not wait."""
    query = parse_query(str(options.get("query") or ""))
    if query.empty:
        return {}
    async with core.store.transaction(reading=True) as tx:
        return {"found": await _find(tx, community_id, query)}


async def search(ctx: Context, query: str = "", found: Found | None = None) -> Message:
    """``/search <words>``."""
    parsed = parse_query(query)
    if parsed.empty:
        return private(spans(ctx.language, "search.how"))
    if found is None:
        found = await _find(ctx.tx, ctx.community_id, parsed)
    count, lines = _result_lines(ctx.language, found)
    if not count:
        return private(spans(ctx.language, "search.none"))
    return private(spans(ctx.language, "search.found", count=count), *lines)


async def _find(tx, community_id: str, query) -> Found:
    hits = await tx.search.find(community_id, query, list(Kind), limit=RESULTS)

    def ids(kind: Kind) -> list[int]:
        return [h.ref_id for h in hits if h.kind is kind]

    questions = await tx.questions.with_accepted(community_id, ids(Kind.QUESTION))
    shares = await tx.practice.shares_by_ids(community_id, ids(Kind.SHARE))
    resources = await tx.resources.by_ids(community_id, ids(Kind.RESOURCE))
    names = await tx.communities.member_names(
        community_id,
        [
            *(s.author_id for s in shares.values() if s.author_id),
            *(r.shared_by for r in resources.values() if r.shared_by),
        ],
    )
    return Found(hits, questions, shares, resources, names)


def _result_lines(language: str, found: Found) -> tuple[int, list[Line]]:
    """How many items were found, and their lines (a question brings its accepted answer)."""
    questions, shares, resources = found.questions, found.shares, found.resources
    names = found.names
    results: list[list[Line]] = []
    for hit in found.hits:
        if hit.kind is Kind.QUESTION and hit.ref_id in questions:
            question, answer = questions[hit.ref_id]
            result = [
                (*spans(language, "search.question", number=question.id), bold(question.title))
            ]
            if answer is not None:
                result.append((plain("   ↳ "), italic(excerpt(answer.text, 200))))
            results.append(result)
        elif hit.kind is Kind.SHARE and hit.ref_id in shares:
            share = shares[hit.ref_id]
            author = (
                mention(share.author_id, names.get(share.author_id, ""))
                if share.author_id
                else plain("?")
            )
            results.append(
                [
                    (
                        *spans(language, "search.share", author=author),
                        italic(excerpt(share.text, 200)),
                    )
                ]
            )
        elif hit.kind is Kind.RESOURCE and hit.ref_id in resources:
            resource = resources[hit.ref_id]
            results.append(
                [(*spans(language, "search.resource"), *resource_line(language, resource, names))]
            )
    return len(results), [line for result in results for line in result]

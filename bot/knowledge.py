"""``/search``: resolved questions with their accepted answers, practice shares and resources together."""

from __future__ import annotations

from bot.context import Context
from bot.i18n import spans
from bot.replies import Line, Message, bold, italic, mention, plain, private
from bot.resources import resource_line
from bot.search import Hit, Kind, parse_query
from bot.text import excerpt

RESULTS = 8


async def search(ctx: Context, query: str = "") -> Message:
    """``/search <words>``."""
    parsed = parse_query(query)
    if parsed.empty:
        return private(spans(ctx.language, "search.how"))
    hits = await ctx.tx.search.find(ctx.community_id, parsed, list(Kind), limit=RESULTS)
    found, lines = await _result_lines(ctx.tx, ctx.language, ctx.community_id, hits)
    if not found:
        return private(spans(ctx.language, "search.none"))
    return private(spans(ctx.language, "search.found", count=found), *lines)


async def _result_lines(
    tx, language: str, community_id: str, hits: list[Hit]
) -> tuple[int, list[Line]]:
    """How many items were found, and their lines (a question brings its accepted answer)."""

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
    results: list[list[Line]] = []
    for hit in hits:
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

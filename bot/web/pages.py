"""Page models: what each page shows, read through ``tx.reports``, ready for its template.

Privacy lives here: anonymous askers are never named; on a public knowledge base
(``viewer.public``) erased members' content is left out by the reports and members are
named only when they agreed (``/entraide profile public on``), else "a member".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from math import ceil

from bot.domain import Question, QuestionStatus
from bot.i18n import t
from bot.ports import Transaction
from bot.schedule import zone
from bot.search import Kind, parse_query
from bot.stats import format_duration
from bot.urls import display_url
from bot.web import plots
from bot.web.site import MessageLink, Viewer

PERIODS = (4, 12, 52)
DEFAULT_PERIOD = 12
PAGE_SIZE = 50
KB_RESULTS = 20
TOP_HELPERS = 10
STATUSES = ("all", "open", "unanswered", "resolved", "closed")


def period(weeks: int | None) -> int:
    return weeks if weeks in PERIODS else DEFAULT_PERIOD


def week_bounds(now: datetime, timezone: str, count: int) -> list[tuple[datetime, datetime]]:
    """The last ``count`` weeks, Monday to Monday at midnight in the community's zone (in
    UTC, so exact across daylight-saving changes); the last one is the week under way."""
    tz = zone(timezone)
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tz).astimezone(now.tzinfo)

    starts = [monday - timedelta(weeks=count - 1 - i) for i in range(count + 1)]
    return [(midnight(starts[i]), midnight(starts[i + 1])) for i in range(count)]


def short_date(language: str, day: date) -> str:
    month = t(language, "web.months").split(",")[day.month - 1]
    return f"{day.day} {month}" if language == "fr" else f"{month} {day.day}"


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


class Names:
    """Who wrote what, as a viewer may see it."""

    def __init__(self, language: str, names: dict[str, str], public: bool) -> None:
        self.language, self.names, self.public = language, names, public

    def member(self, member_id: str | None) -> str:
        if member_id and member_id in self.names:
            return self.names[member_id]
        if member_id and not self.public:
            return member_id
        return t(self.language, "web.a_member")

    def asker(self, question: Question) -> str:
        if question.anonymous or question.asker_id is None:
            return t(self.language, "web.a_member")
        return self.member(question.asker_id)


async def names_for(tx: Transaction, viewer: Viewer, language: str, ids) -> Names:
    found = await tx.reports.names(viewer.community_id, list(ids), public_only=viewer.public)
    return Names(language, found, viewer.public)


async def overview(tx: Transaction, viewer: Viewer, weeks: int, language: str, now: datetime):
    bounds = week_bounds(now, viewer.timezone, weeks)
    start, end = bounds[0][0], bounds[-1][1]
    cid = viewer.community_id
    labels = [short_date(language, s.astimezone(zone(viewer.timezone)).date()) for s, _ in bounds]
    mondays = [s.astimezone(zone(viewer.timezone)).date().isoformat() for s, _ in bounds]
    asked = await tx.reports.question_weeks(cid, bounds, now)
    prompts = await tx.reports.prompt_weeks(cid, bounds)
    unanswered = await tx.reports.unanswered_by_tag(cid, start)
    helpers = await tx.reports.answers_by_helper(cid, start, end)
    upvoted = await tx.reports.most_upvoted(cid, start, end)
    saved = await tx.reports.most_saved(cid, start, end)
    top = helpers[:TOP_HELPERS]
    names = await names_for(
        tx,
        viewer,
        language,
        [m for m, _ in top] + [r.shared_by for r, _ in upvoted + saved if r.shared_by],
    )
    _ = lambda key, **values: t(language, key, **values)  # noqa: E731
    total_answers = sum(n for _, n in helpers)
    top3 = sum(n for _, n in helpers[:3])
    within = [_percent(w.answered_within_day, w.old_enough) for w in asked]
    medians = [_hours(w.median_first_answer) for w in asked]
    per_prompt = [round(p.replies / p.prompts, 1) if p.prompts else None for p in prompts]
    series = [
        plots.Series(_("web.asked"), [w.asked for w in asked]),
        plots.Series(_("web.answered"), [w.answered for w in asked]),
        plots.Series(_("web.resolved"), [w.resolved for w in asked]),
    ]
    tag_labels = [f"#{tag}" if tag else _("web.no_tag") for tag, _n in unanswered]
    return {
        "weeks": weeks,
        "periods": PERIODS,
        "figures": {
            "asked": sum(w.asked for w in asked),
            "answered": _percent(sum(w.answered for w in asked), sum(w.asked for w in asked)),
            "within_day": _percent(
                sum(w.answered_within_day for w in asked), sum(w.old_enough for w in asked)
            ),
            "helpers": len(helpers),
            "top3": _percent(top3, total_answers),
            "replies": sum(p.replies for p in prompts),
        },
        "rows": [
            {
                "week": mondays[i],
                "asked": asked[i].asked,
                "answered": asked[i].answered,
                "resolved": asked[i].resolved,
                "median": format_duration(
                    language,
                    None
                    if asked[i].median_first_answer is None
                    else timedelta(seconds=asked[i].median_first_answer),
                ),
                "median_hours": medians[i],
                "within_day": within[i],
                "old_enough": asked[i].old_enough,
                "answered_within_day": asked[i].answered_within_day,
                "prompts": prompts[i].prompts,
                "replied": prompts[i].replied,
                "replies": prompts[i].replies,
                "per_prompt": per_prompt[i],
            }
            for i in range(len(bounds))
        ],
        "questions_plot": plots.bars("plot-questions", _("web.plot.questions"), labels, series),
        "median_plot": plots.line(
            "plot-median", _("web.plot.median"), labels, plots.Series("", medians), " h"
        ),
        "within_plot": plots.line(
            "plot-within", _("web.plot.within_day"), labels, plots.Series("", within), " %"
        ),
        "unanswered": [(label, n) for label, (_t, n) in zip(tag_labels, unanswered, strict=True)],
        "unanswered_plot": plots.hbars(
            "plot-unanswered",
            _("web.plot.unanswered"),
            tag_labels,
            [n for _t, n in unanswered],
        ),
        "helpers": [(names.member(m), n) for m, n in top],
        "helpers_plot": plots.hbars(
            "plot-helpers",
            _("web.plot.helpers"),
            [names.member(m) for m, _n in top],
            [n for _m, n in top],
        ),
        "total_answers": total_answers,
        "prompts_plot": plots.bars(
            "plot-prompts",
            _("web.plot.prompts"),
            labels,
            [plots.Series(_("web.replies_per_prompt"), per_prompt)],
        ),
        "upvoted": [_resource_row(r, n, names) for r, n in upvoted],
        "saved": [_resource_row(r, n, names) for r, n in saved],
    }


def _resource_row(resource, count: int, names: Names) -> dict:
    return {
        "url": resource.url,
        "title": resource.title or display_url(resource.url),
        "sharer": names.member(resource.shared_by),
        "count": count,
    }


def age(language: str, since: datetime, now: datetime) -> str:
    return format_duration(language, max(now - since, timedelta(0)))


async def questions_page(
    tx: Transaction,
    viewer: Viewer,
    status: str,
    tag: str | None,
    page: int,
    language: str,
    now: datetime,
    message_link: MessageLink,
):
    status = status if status in STATUSES else "all"
    found, total = await tx.reports.questions(
        viewer.community_id,
        None if status == "all" else status,
        tag,
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
    )
    counts = await tx.reports.answer_counts(viewer.community_id, [q.id for q in found])
    return {
        "status": status,
        "statuses": STATUSES,
        "tag": tag,
        "tags": await tx.reports.question_tags(viewer.community_id),
        "total": total,
        "page": page,
        "pages": max(1, ceil(total / PAGE_SIZE)),
        "questions": [
            {
                "id": q.id,
                "title": q.title,
                "status": t(language, f"status.{q.status.value}"),
                "unanswered": q.status is QuestionStatus.OPEN and q.first_answer_at is None,
                "tags": q.tags,
                "age": age(language, q.created_at, now),
                "asked_on": q.created_at.date().isoformat(),
                "answers": counts.get(q.id, 0),
                "link": message_link(viewer.community_id, q.channel_id, q.message_id),
                "in_kb": q.status is QuestionStatus.RESOLVED and q.accepted_answer_id is not None,
            }
            for q in found
        ],
    }


async def knowledge(tx: Transaction, viewer: Viewer, text: str, language: str):
    """Search results (the same search as ``/search``), or the latest of each kind."""
    cid, public = viewer.community_id, viewer.public
    query = parse_query(text)
    if not query.empty:
        hits = await tx.reports.search(cid, query, list(Kind), KB_RESULTS * 2)
        ids = {kind: [h.ref_id for h in hits if h.kind is kind] for kind in Kind}
        questions = await tx.reports.questions_by_ids(cid, ids[Kind.QUESTION], public)
        shares = {
            s.id: s for s in await tx.reports.shares(cid, ids[Kind.SHARE], KB_RESULTS * 2, public)
        }
        resources = {
            r.id: r
            for r in (
                await tx.reports.resources(
                    cid, ids=ids[Kind.RESOURCE], limit=KB_RESULTS * 2, public=public
                )
            )[0]
        }
        ordered = [
            (
                h.kind,
                {Kind.QUESTION: questions, Kind.SHARE: shares, Kind.RESOURCE: resources}[
                    h.kind
                ].get(h.ref_id),
            )
            for h in hits
        ]
        ordered = [(kind, item) for kind, item in ordered if item is not None][:KB_RESULTS]
    else:
        ordered = [
            (Kind.QUESTION, q)
            for q in await tx.reports.resolved_questions(cid, KB_RESULTS, public=public)
        ]
        ordered += [(Kind.SHARE, s) for s in await tx.reports.shares(cid, None, 10, public)]
        ordered += [
            (Kind.RESOURCE, r)
            for r in (await tx.reports.resources(cid, limit=10, public=public))[0]
        ]
    accepted = {
        a.id: a
        for a in await tx.reports.answers(
            cid, [item.id for kind, item in ordered if kind is Kind.QUESTION], public
        )
    }
    names = await names_for(
        tx,
        viewer,
        language,
        [
            getattr(item, "author_id", None) or getattr(item, "shared_by", None)
            for _k, item in ordered
        ]
        + [a.author_id for a in accepted.values()],
    )
    items = []
    for kind, item in ordered:
        if kind is Kind.QUESTION:
            answer = accepted.get(item.accepted_answer_id)
            items.append(
                {
                    "kind": "question",
                    "id": item.id,
                    "title": item.title,
                    "tags": item.tags,
                    "answer": answer.text if answer else "",
                    "by": names.member(answer.author_id) if answer else "",
                    "date": (item.resolved_at or item.created_at).date().isoformat(),
                }
            )
        elif kind is Kind.SHARE:
            items.append(
                {
                    "kind": "share",
                    "text": item.text,
                    "by": names.member(item.author_id),
                    "date": item.created_at.date().isoformat(),
                }
            )
        else:
            items.append({"kind": "resource"} | resource_item(item, names))
    return {"q": text, "searched": not query.empty, "items": items}


def resource_item(resource, names: Names) -> dict:
    return {
        "url": resource.url,
        "title": resource.title or display_url(resource.url),
        "tags": resource.tags,
        "notes": resource.notes,
        "upvotes": resource.upvotes,
        "by": names.member(resource.shared_by),
        "date": resource.created_at.date().isoformat(),
    }


async def question(
    tx: Transaction, viewer: Viewer, question_id: int, language: str, message_link: MessageLink
):
    """A resolved question with its answers, accepted first; None when the viewer may not see it."""
    found = await tx.reports.questions_by_ids(viewer.community_id, [question_id], viewer.public)
    if question_id not in found:
        return None
    q = found[question_id]
    answers = await tx.reports.answers(viewer.community_id, [q.id], viewer.public)
    answers.sort(key=lambda a: (a.id != q.accepted_answer_id, a.created_at, a.id))
    names = await names_for(tx, viewer, language, [q.asker_id] + [a.author_id for a in answers])
    return {
        "id": q.id,
        "title": q.title,
        "details": q.details,
        "tags": q.tags,
        "asker": names.asker(q),
        "asked_on": q.created_at.date().isoformat(),
        "resolved_on": q.resolved_at.date().isoformat() if q.resolved_at else "",
        "link": None
        if viewer.public
        else message_link(viewer.community_id, q.channel_id, q.message_id),
        "answers": [
            {
                "text": a.text,
                "by": names.member(a.author_id),
                "date": a.created_at.date().isoformat(),
                "accepted": a.id == q.accepted_answer_id,
                "helpful": a.helpful_count,
            }
            for a in answers
        ],
    }


async def resources_page(
    tx: Transaction, viewer: Viewer, tag: str | None, sort: str, page: int, language: str
):
    by_upvotes = sort == "upvotes"
    found, total = await tx.reports.resources(
        viewer.community_id,
        tag=tag,
        by_upvotes=by_upvotes,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        public=viewer.public,
    )
    names = await names_for(tx, viewer, language, [r.shared_by for r in found])
    return {
        "tag": tag,
        "sort": "upvotes" if by_upvotes else "newest",
        "tags": await tx.reports.resource_tags(viewer.community_id),
        "total": total,
        "page": page,
        "pages": max(1, ceil(total / PAGE_SIZE)),
        "resources": [resource_item(r, names) for r in found],
    }

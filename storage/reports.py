"""The web pages' reads (``tx.reports``): the overview's aggregates, the questions list, the
knowledge base and the resources, each scoped by community.

The overview's weekly figures are computed by the database, week by week, from one index
range per community (``ix_questions_week``): weeks are given as boundaries (a local
Monday's midnight, in UTC), joined as a small table, so that a week is exact across
daylight-saving changes; medians are picked with window functions on both backends.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import Answer, MarkKind, PracticeShare, Question, QuestionStatus, Resource
from bot.search import Hit, Kind, Query
from bot.web.model import PromptWeek, QuestionWeek
from storage import search as search_backend
from storage.tables import (
    UTCDateTime,
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
)
from storage.web_tables import web_profiles

q, a, r = questions.c, answers.c, resources.c
NOT_ASKED = (QuestionStatus.DRAFT.value, QuestionStatus.WITHDRAWN.value)
DAY_SECONDS = 86400


class Reports:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    async def community(self, community_id: str) -> tuple[str, str] | None:
        """(language, time zone) of a community, or None when there is no such community."""
        row = (
            await self.conn.execute(
                select(communities.c.language, communities.c.timezone).where(
                    communities.c.id == community_id
                )
            )
        ).first()
        return (row.language, row.timezone) if row else None

    # -- the overview ------------------------------------------------------------

    def _weeks(self, weeks: Sequence[tuple[datetime, datetime]]) -> tuple[str, list]:
        """``weeks(week, start_at, end_at)`` as a CTE, with its bound parameters."""
        cast = "CAST(:{} AS TIMESTAMP WITH TIME ZONE)" if self.postgres else ":{}"
        rows, params = [], []
        for index, (start, end) in enumerate(weeks):
            rows.append(f"({index}, {cast.format(f'ws{index}')}, {cast.format(f'we{index}')})")
            params += [
                bindparam(f"ws{index}", start, type_=UTCDateTime),
                bindparam(f"we{index}", end, type_=UTCDateTime),
            ]
        return "weeks(week, start_at, end_at) AS (VALUES " + ", ".join(rows) + ")", params

    def _delay(self) -> str:
        """Seconds from a question to its first answer."""
        if self.postgres:
            return "EXTRACT(EPOCH FROM (q.first_answer_at - q.created_at))"
        # julianday() keeps about a millisecond: rounded to the second, 16 h is not 15 h 59.
        return "ROUND((julianday(q.first_answer_at) - julianday(q.created_at)) * 86400.0)"

    async def question_weeks(
        self, community_id: str, weeks: Sequence[tuple[datetime, datetime]], now: datetime
    ) -> list[QuestionWeek]:
        """Per week: questions asked, how many got an answer, were resolved, were answered
        within 24 h (of those at least 24 h old), and the median time to a first answer."""
        if not weeks:
            return []
        cte, params = self._weeks(weeks)
        asked_in_week = (
            "FROM weeks w CROSS JOIN questions q "
            "WHERE q.community_id = :community AND q.created_at >= w.start_at "
            "AND q.created_at < w.end_at AND q.status NOT IN ('draft', 'withdrawn')"
        )
        counts = text(
            f"WITH {cte} SELECT w.week, COUNT(*) AS asked, "
            "SUM(CASE WHEN q.first_answer_at IS NOT NULL THEN 1 ELSE 0 END) AS answered, "
            "SUM(CASE WHEN q.status = 'resolved' THEN 1 ELSE 0 END) AS resolved, "
            "SUM(CASE WHEN q.created_at <= :day_ago THEN 1 ELSE 0 END) AS old_enough, "
            "SUM(CASE WHEN q.created_at <= :day_ago AND q.first_answer_at IS NOT NULL "
            f"AND {self._delay()} <= {DAY_SECONDS} THEN 1 ELSE 0 END) AS within_day "
            f"{asked_in_week} GROUP BY w.week"
        ).bindparams(
            *params,
            bindparam("community", community_id),
            bindparam("day_ago", now - timedelta(days=1), type_=UTCDateTime),
        )
        found = {row.week: row for row in await self.conn.execute(counts)}
        # The median's rows, from the counts: one sort of the delays instead of two windows.
        middles = {
            (week, n)
            for week, row in found.items()
            if row.answered
            for n in ((row.answered + 1) // 2, (row.answered + 2) // 2)
        }
        median: dict[int, float] = {}
        if middles:
            wanted = ", ".join(f"({week}, {n})" for week, n in sorted(middles))
            medians = text(
                f"WITH {cte}, delays AS (SELECT w.week AS week, {self._delay()} AS delay "
                f"{asked_in_week} AND q.first_answer_at IS NOT NULL), "
                "ranked AS (SELECT week, delay, "
                "ROW_NUMBER() OVER (PARTITION BY week ORDER BY delay) AS n FROM delays), "
                f"middles(week, n) AS (VALUES {wanted}) "
                "SELECT ranked.week, AVG(ranked.delay) AS median FROM ranked "
                "JOIN middles ON middles.week = ranked.week AND middles.n = ranked.n "
                "GROUP BY ranked.week"
            ).bindparams(*params, bindparam("community", community_id))
            median = {row.week: float(row.median) for row in await self.conn.execute(medians)}
        result = []
        for index in range(len(weeks)):
            row = found.get(index)
            result.append(
                QuestionWeek(
                    asked=row.asked,
                    answered=int(row.answered or 0),
                    resolved=int(row.resolved or 0),
                    answered_within_day=int(row.within_day or 0),
                    old_enough=int(row.old_enough or 0),
                    median_first_answer=median.get(index),
                )
                if row
                else QuestionWeek()
            )
        return result

    async def prompt_weeks(
        self, community_id: str, weeks: Sequence[tuple[datetime, datetime]]
    ) -> list[PromptWeek]:
        """Per week: prompts posted, how many got a reply, and the replies (practice shares)."""
        if not weeks:
            return []
        cte, params = self._weeks(weeks)
        stmt = text(
            f"WITH {cte}, posted AS (SELECT w.week AS week, (SELECT COUNT(*) FROM practice_shares p "
            "WHERE p.occurrence_id = o.id) AS replies FROM weeks w CROSS JOIN occurrences o "
            "WHERE o.community_id = :community AND o.prompt_id IS NOT NULL "
            "AND o.status = 'posted' AND o.due_at >= w.start_at AND o.due_at < w.end_at) "
            "SELECT week, COUNT(*) AS prompts, "
            "SUM(CASE WHEN replies > 0 THEN 1 ELSE 0 END) AS replied, "
            "SUM(replies) AS replies FROM posted GROUP BY week"
        ).bindparams(*params, bindparam("community", community_id))
        found = {row.week: row for row in await self.conn.execute(stmt)}
        return [
            PromptWeek(found[i].prompts, int(found[i].replied or 0), int(found[i].replies or 0))
            if i in found
            else PromptWeek()
            for i in range(len(weeks))
        ]

    async def unanswered_by_tag(
        self, community_id: str, since: datetime, limit: int = 12
    ) -> list[tuple[str, int]]:
        """Open questions asked since ``since`` still waiting for a first answer, per tag
        ("" for those without a tag), most first."""
        each_tag = (
            "LEFT JOIN LATERAL json_array_elements_text(q.tags) AS t(value) ON true"
            if self.postgres
            else "LEFT JOIN json_each(q.tags) AS t"
        )
        stmt = text(
            f"SELECT COALESCE(t.value, '') AS tag, COUNT(*) AS n FROM questions q {each_tag} "
            "WHERE q.community_id = :community AND q.status = 'open' "
            "AND q.first_answer_at IS NULL AND q.message_id IS NOT NULL AND q.created_at >= :since "
            "GROUP BY COALESCE(t.value, '') ORDER BY n DESC, tag LIMIT :limit"
        ).bindparams(
            bindparam("community", community_id),
            bindparam("since", since, type_=UTCDateTime),
            bindparam("limit", limit),
        )
        return [(row.tag, row.n) for row in await self.conn.execute(stmt)]

    async def answers_by_helper(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[tuple[str, int]]:
        """(member id, answers given between ``start`` and ``end``), most first."""
        count = func.count().label("n")
        rows = await self.conn.execute(
            select(a.author_id, count)
            .where(
                a.community_id == community_id,
                a.created_at >= start,
                a.created_at < end,
                a.author_id.is_not(None),
            )
            .group_by(a.author_id)
            .order_by(count.desc(), a.author_id)
        )
        return [(row.author_id, row.n) for row in rows]

    async def most_upvoted(
        self, community_id: str, start: datetime, end: datetime, limit: int = 5
    ) -> list[tuple[Resource, int]]:
        """Resources by upvotes given between ``start`` and ``end``: the top posts are
        counted from the marks' index alone, then joined to their resources."""
        count = func.count().label("n")
        top = (
            select(marks.c.message_id, count)
            .where(
                marks.c.community_id == community_id,
                marks.c.kind == MarkKind.UPVOTE.value,
                marks.c.created_at >= start,
                marks.c.created_at < end,
                marks.c.revoked_at.is_(None),
            )
            .group_by(marks.c.message_id)
            .order_by(count.desc(), marks.c.message_id)
            .limit(limit * 4)  # a few marks may be on posts that are no resource's
            .subquery()
        )
        rows = await self.conn.execute(
            select(resources, top.c.n)
            .join(
                top,
                and_(r.community_id == community_id, r.post_message_id == top.c.message_id),
            )
            .order_by(top.c.n.desc(), r.id.desc())
            .limit(limit)
        )
        return [(_resource(row), row.n) for row in rows]

    async def most_saved(
        self, community_id: str, start: datetime, end: datetime, limit: int = 5
    ) -> list[tuple[Resource, int]]:
        """Resources by the members who saved them between ``start`` and ``end``: the first
        sharer, and each member who shared the link again with a note."""
        savers = (
            select(r.id.label("resource_id"), r.shared_by.label("member_id"))
            .where(
                r.community_id == community_id,
                r.created_at >= start,
                r.created_at < end,
                r.shared_by.is_not(None),
            )
            .union(
                select(resource_notes.c.resource_id, resource_notes.c.author_id).where(
                    resource_notes.c.community_id == community_id,
                    resource_notes.c.created_at >= start,
                    resource_notes.c.created_at < end,
                    resource_notes.c.author_id.is_not(None),
                )
            )
            .subquery()
        )
        count = func.count().label("n")
        top = (
            select(savers.c.resource_id, count)
            .group_by(savers.c.resource_id)
            .order_by(count.desc(), savers.c.resource_id.desc())
            .limit(limit)
            .subquery()
        )
        rows = await self.conn.execute(
            select(resources, top.c.n)
            .join(top, top.c.resource_id == r.id)
            .order_by(top.c.n.desc(), r.id.desc())
        )
        return [(_resource(row), row.n) for row in rows]

    # -- names ----------------------------------------------------------------

    async def names(
        self, community_id: str, member_ids: Sequence[str], public_only: bool = False
    ) -> dict[str, str]:
        """Display names; with ``public_only``, only of members who agreed to be named publicly."""
        ids = sorted({m for m in member_ids if m})
        if not ids:
            return {}
        stmt = select(members.c.member_id, members.c.name).where(
            members.c.community_id == community_id, members.c.member_id.in_(ids)
        )
        if public_only:
            stmt = stmt.join(
                web_profiles,
                and_(
                    web_profiles.c.community_id == members.c.community_id,
                    web_profiles.c.member_id == members.c.member_id,
                ),
            ).where(web_profiles.c.public.is_(True))
        return {row.member_id: row.name for row in await self.conn.execute(stmt)}

    # -- questions ------------------------------------------------------------------

    async def question_tags(self, community_id: str, limit: int = 40) -> list[tuple[str, int]]:
        """The tags of posted questions, most used first."""
        each_tag = (
            "CROSS JOIN LATERAL json_array_elements_text(q.tags) AS t(value)"
            if self.postgres
            else "CROSS JOIN json_each(q.tags) AS t"
        )
        stmt = text(
            f"SELECT t.value AS tag, COUNT(*) AS n FROM questions q {each_tag} "
            "WHERE q.community_id = :community AND q.message_id IS NOT NULL "
            "GROUP BY t.value ORDER BY n DESC, tag LIMIT :limit"
        ).bindparams(bindparam("community", community_id), bindparam("limit", limit))
        return [(row.tag, row.n) for row in await self.conn.execute(stmt)]

    async def questions(
        self,
        community_id: str,
        status: str | None,
        tag: str | None,
        limit: int,
        offset: int = 0,
    ) -> tuple[list[Question], int]:
        """Posted questions, oldest first when waiting for an answer, newest first otherwise;
        ``status`` is open, unanswered, answered, resolved or closed; and how many in all."""
        conditions = [q.community_id == community_id, q.message_id.is_not(None)]
        order = q.created_at.desc()
        if status == "unanswered":
            conditions += [q.status == QuestionStatus.OPEN.value, q.first_answer_at.is_(None)]
            order = q.created_at
        elif status == "open":
            conditions.append(
                q.status.in_([QuestionStatus.OPEN.value, QuestionStatus.ANSWERED.value])
            )
            order = q.created_at
        elif status in ("answered", "resolved", "closed"):
            conditions.append(q.status == status)
        else:
            conditions.append(q.status.notin_(NOT_ASKED))
        if tag:
            conditions.append(self._tagged(tag))
        total = (
            await self.conn.execute(select(func.count()).select_from(questions).where(*conditions))
        ).scalar_one()
        rows = await self.conn.execute(
            select(questions).where(*conditions).order_by(order, q.id).limit(limit).offset(offset)
        )
        return [_question(row) for row in rows], total

    def _tagged(self, tag: str):
        if self.postgres:
            return text("CAST(questions.tags AS JSONB) ? :tag").bindparams(tag=tag)
        return text(
            "EXISTS (SELECT 1 FROM json_each(questions.tags) WHERE json_each.value = :tag)"
        ).bindparams(tag=tag)

    async def answer_counts(self, community_id: str, question_ids: Sequence[int]) -> dict[int, int]:
        if not question_ids:
            return {}
        rows = await self.conn.execute(
            select(a.question_id, func.count())
            .where(a.community_id == community_id, a.question_id.in_(list(question_ids)))
            .group_by(a.question_id)
        )
        return dict(rows.all())

    # -- the knowledge base ---------------------------------------------------------------

    async def search(
        self, community_id: str, query: Query, kinds: Sequence[Kind], limit: int
    ) -> list[Hit]:
        """The same search as ``/search``."""
        return await search_backend.search(self.conn, community_id, query, kinds, None, limit)

    async def resolved_questions(
        self, community_id: str, limit: int, offset: int = 0, public: bool = False
    ) -> list[Question]:
        """Resolved questions, most recently resolved first; ``public`` leaves out those whose
        asker or accepted answer's author was erased."""
        stmt = (
            select(questions)
            .where(
                q.community_id == community_id,
                q.status == QuestionStatus.RESOLVED.value,
                q.accepted_answer_id.is_not(None),
            )
            .order_by(q.resolved_at.desc(), q.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if public:
            stmt = stmt.where(*self._public_question())
        return [_question(row) for row in await self.conn.execute(stmt)]

    def _public_question(self) -> list:
        accepted_by_someone = (
            select(a.id).where(a.id == q.accepted_answer_id, a.author_id.is_not(None)).exists()
        )
        return [q.asker_id.is_not(None), accepted_by_someone]

    async def questions_by_ids(
        self, community_id: str, ids: Sequence[int], public: bool = False
    ) -> dict[int, Question]:
        """Resolved questions among ``ids`` (the knowledge base shows no other)."""
        if not ids:
            return {}
        stmt = select(questions).where(
            q.community_id == community_id,
            q.id.in_(list(ids)),
            q.status == QuestionStatus.RESOLVED.value,
            q.accepted_answer_id.is_not(None),
        )
        if public:
            stmt = stmt.where(*self._public_question())
        return {row.id: _question(row) for row in await self.conn.execute(stmt)}

    async def answers(
        self, community_id: str, question_ids: Sequence[int], public: bool = False
    ) -> list[Answer]:
        """The answers of some questions, oldest first; ``public`` leaves out erased members'."""
        if not question_ids:
            return []
        helpful = (
            select(func.count())
            .where(
                marks.c.community_id == a.community_id,
                marks.c.message_id == a.message_id,
                marks.c.kind == MarkKind.HELPFUL.value,
                marks.c.revoked_at.is_(None),
            )
            .scalar_subquery()
        )
        stmt = (
            select(answers, helpful.label("helpful_count"))
            .where(a.community_id == community_id, a.question_id.in_(list(question_ids)))
            .order_by(a.created_at, a.id)
        )
        if public:
            stmt = stmt.where(a.author_id.is_not(None))
        return [
            Answer(
                id=row.id,
                community_id=row.community_id,
                question_id=row.question_id,
                author_id=row.author_id,
                text=row.text,
                message_id=row.message_id,
                created_at=row.created_at,
                helpful_count=row.helpful_count,
            )
            for row in await self.conn.execute(stmt)
        ]

    async def shares(
        self,
        community_id: str,
        ids: Sequence[int] | None = None,
        limit: int = 20,
        public: bool = False,
    ) -> list[PracticeShare]:
        """Practice shares (``ids``, or the latest), newest first; never an erased member's."""
        stmt = (
            select(practice_shares, occurrences.c.prompt_id)
            .join(occurrences, occurrences.c.id == practice_shares.c.occurrence_id)
            .where(practice_shares.c.community_id == community_id)
            .order_by(practice_shares.c.created_at.desc(), practice_shares.c.id.desc())
            .limit(limit)
        )
        if ids is not None:
            stmt = stmt.where(practice_shares.c.id.in_(list(ids)))
        if public:
            stmt = stmt.where(practice_shares.c.author_id.is_not(None))
        return [
            PracticeShare(
                row.id,
                row.community_id,
                row.occurrence_id,
                row.author_id,
                row.text,
                row.created_at,
                row.prompt_id,
            )
            for row in await self.conn.execute(stmt)
        ]

    # -- resources -----------------------------------------------------------------------

    async def resource_tags(self, community_id: str, limit: int = 40) -> list[tuple[str, int]]:
        count = func.count().label("n")
        rows = await self.conn.execute(
            select(resource_tags.c.tag, count)
            .where(resource_tags.c.community_id == community_id)
            .group_by(resource_tags.c.tag)
            .order_by(count.desc(), resource_tags.c.tag)
            .limit(limit)
        )
        return [(row.tag, row.n) for row in rows]

    async def resources(
        self,
        community_id: str,
        *,
        ids: Sequence[int] | None = None,
        tag: str | None = None,
        by_upvotes: bool = False,
        limit: int = 50,
        offset: int = 0,
        public: bool = False,
    ) -> tuple[list[Resource], int]:
        """Resources (``ids``, or those with ``tag``), newest or most upvoted first, with their
        tags, notes and upvotes; and how many match. ``public`` leaves out erased members'."""
        upvotes = (
            select(func.count())
            .where(
                marks.c.community_id == r.community_id,
                marks.c.message_id == r.post_message_id,
                marks.c.kind == MarkKind.UPVOTE.value,
                marks.c.revoked_at.is_(None),
            )
            .scalar_subquery()
            .label("upvotes")
        )
        conditions = [r.community_id == community_id]
        if ids is not None:
            conditions.append(r.id.in_(list(ids)))
        if tag:
            conditions.append(
                select(resource_tags.c.resource_id)
                .where(resource_tags.c.resource_id == r.id, resource_tags.c.tag == tag)
                .exists()
            )
        if public:
            conditions.append(r.shared_by.is_not(None))
        total = (
            await self.conn.execute(select(func.count()).select_from(resources).where(*conditions))
        ).scalar_one()
        order = (upvotes.desc(), r.id.desc()) if by_upvotes else (r.id.desc(),)
        rows = (
            await self.conn.execute(
                select(resources, upvotes)
                .where(*conditions)
                .order_by(*order)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        found = [row.id for row in rows]
        tags: dict[int, list[str]] = {i: [] for i in found}
        notes: dict[int, list[str]] = {i: [] for i in found}
        if found:
            for rid, tag_ in await self.conn.execute(
                select(resource_tags.c.resource_id, resource_tags.c.tag)
                .where(resource_tags.c.resource_id.in_(found))
                .order_by(resource_tags.c.tag)
            ):
                tags[rid].append(tag_)
            note_rows = select(resource_notes.c.resource_id, resource_notes.c.text).where(
                resource_notes.c.resource_id.in_(found), resource_notes.c.text != ""
            )
            if public:
                note_rows = note_rows.where(resource_notes.c.author_id.is_not(None))
            for rid, note in await self.conn.execute(note_rows.order_by(resource_notes.c.id)):
                notes[rid].append(note)
        return [
            _resource(row, tuple(tags[row.id]), tuple(notes[row.id]), row.upvotes) for row in rows
        ], total


def _question(row) -> Question:
    return Question(
        id=row.id,
        community_id=row.community_id,
        channel_id=row.channel_id,
        message_id=row.message_id,
        asker_id=row.asker_id,
        anonymous=row.anonymous,
        title=row.title,
        details=row.details,
        tags=tuple(row.tags or ()),
        status=QuestionStatus(row.status),
        created_at=row.created_at,
        first_answer_at=row.first_answer_at,
        resolved_at=row.resolved_at,
        accepted_answer_id=row.accepted_answer_id,
        reminders_sent=row.reminders_sent,
    )


def _resource(row, tags=(), notes=(), upvotes: int = 0) -> Resource:
    return Resource(
        id=row.id,
        community_id=row.community_id,
        url=row.url,
        title=row.title,
        shared_by=row.shared_by,
        created_at=row.created_at,
        tags=tags,
        notes=notes,
        upvotes=upvotes,
        post_message_id=row.post_message_id,
    )

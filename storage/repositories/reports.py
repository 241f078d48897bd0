"""What a community's health and recognition are read from (``tx.reports``), each scoped by
community: the web overview's aggregates and the credits of the digest and ``/entraide
stats`` here; the questions list, the knowledge base and the resources in
``storage.repositories.library``.

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

from bot.domain import MarkKind, Resource
from bot.web.model import PromptWeek, QuestionWeek
from storage.repositories.library import LibraryReports
from storage.repositories.resources import resource_from_row
from storage.tables import (
    UTCDateTime,
    answers,
    communities,
    marks,
    members,
    practice_shares,
    questions,
    resource_notes,
    resources,
)

q, a, r = questions.c, answers.c, resources.c
DAY_SECONDS = 86400


class Reports(LibraryReports):
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

    def _weeks(
        self, weeks: Sequence[tuple[datetime, datetime]], table: str, column: str
    ) -> tuple[str, str, str, list]:
        """How rows of ``table`` (aliased by its first letter) fall in ``weeks``: the WITH
        clause (ending in a comma, or empty), the FROM clause with the week conditions, the
        week's number, and the bound parameters. Rows outside the period are left out.

        SQLite joins a small table of (week, start, end) and reads the index's range of each
        week. PostgreSQL reads the period's range once and finds each row's week by a binary
        search in the weeks' boundaries (``width_bucket``).
        """
        alias = table[0]
        bounds = [start for start, _ in weeks] + [weeks[-1][1]]
        params = [bindparam(f"wb{i}", at, type_=UTCDateTime) for i, at in enumerate(bounds)]
        period = f"{alias}.{column} >= :wb0 AND {alias}.{column} < :wb{len(weeks)}"
        if self.postgres:
            array = ", ".join(
                f"CAST(:wb{i} AS TIMESTAMP WITH TIME ZONE)" for i in range(len(bounds))
            )
            week = f"(width_bucket({alias}.{column}, ARRAY[{array}]) - 1)"
            return "", f"FROM {table} {alias} WHERE {period}", week, params
        rows = ", ".join(f"({i}, :wb{i}, :wb{i + 1})" for i in range(len(weeks)))
        cte = f"weeks(week, start_at, end_at) AS (VALUES {rows}),"
        where = (
            f"FROM weeks w CROSS JOIN {table} {alias} WHERE {alias}.{column} >= w.start_at "
            f"AND {alias}.{column} < w.end_at AND {period}"
        )
        return cte, where, "w.week", params

    def _delay(self) -> str:
        """Seconds from a question to its first answer."""
        if self.postgres:
            # date_part, not EXTRACT: a double, where EXTRACT's numeric made sorting a year's
            # delays for the medians take longer than reading them.
            return "date_part('epoch', q.first_answer_at - q.created_at)"
        # julianday() keeps about a millisecond: rounded to the second, 16 h is not 15 h 59.
        return "ROUND((julianday(q.first_answer_at) - julianday(q.created_at)) * 86400.0)"

    async def question_weeks(
        self, community_id: str, weeks: Sequence[tuple[datetime, datetime]], now: datetime
    ) -> list[QuestionWeek]:
        """Per week: questions asked, how many got an answer, were resolved, were answered
        within 24 h (of those at least 24 h old), and the median time to a first answer."""
        if not weeks:
            return []
        cte, where, week, params = self._weeks(weeks, "questions", "created_at")
        counted = "q.community_id = :community AND q.status NOT IN ('draft', 'withdrawn')"
        asked_in_week = f"{where} AND {counted}"
        counts = text(
            f"WITH {cte} counted AS (SELECT {week} AS week, COUNT(*) AS asked, "
            "SUM(CASE WHEN q.first_answer_at IS NOT NULL THEN 1 ELSE 0 END) AS answered, "
            "SUM(CASE WHEN q.status = 'resolved' THEN 1 ELSE 0 END) AS resolved, "
            "SUM(CASE WHEN q.created_at <= :day_ago THEN 1 ELSE 0 END) AS old_enough, "
            "SUM(CASE WHEN q.created_at <= :day_ago AND q.first_answer_at IS NOT NULL "
            f"AND {self._delay()} <= {DAY_SECONDS} THEN 1 ELSE 0 END) AS within_day "
            f"{asked_in_week} GROUP BY 1) SELECT * FROM counted"
        ).bindparams(
            *params,
            bindparam("community", community_id),
            bindparam("day_ago", now - timedelta(days=1), type_=UTCDateTime),
        )
        found = {row.week: row for row in await self.conn.execute(counts)}
        # Each week's median: the middle one or two of its delays, known from the counts, found
        # by sorting that week's alone (one sort of the whole period, numbered week by week,
        # made a year's figures take twice as long).
        answered = [(week, row.answered) for week, row in sorted(found.items()) if row.answered]
        median: dict[int, float] = {}
        if answered:
            bounds_used = {f"wb{at}" for week, _ in answered for at in (week, week + 1)}
            medians = text(
                " UNION ALL ".join(
                    f"SELECT {week} AS week, AVG(delay) AS median FROM (SELECT {self._delay()} "
                    f"AS delay FROM questions q WHERE {counted} "
                    f"AND q.created_at >= :wb{week} AND q.created_at < :wb{week + 1} "
                    "AND q.first_answer_at IS NOT NULL "
                    f"ORDER BY delay LIMIT {2 - n % 2} OFFSET {(n - 1) // 2}) AS middle{week}"
                    for week, n in answered
                )
            ).bindparams(
                *(param for param in params if param.key in bounds_used),
                bindparam("community", community_id),
            )
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
        cte, where, week, params = self._weeks(weeks, "occurrences", "due_at")
        stmt = text(
            f"WITH {cte} posted AS (SELECT {week} AS week, (SELECT COUNT(*) "
            "FROM practice_shares p WHERE p.occurrence_id = o.id) AS replies "
            f"{where} AND o.community_id = :community AND o.prompt_id IS NOT NULL "
            "AND o.status = 'posted') "
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
        return [(resource_from_row(row), row.n) for row in rows]

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
        return [(resource_from_row(row), row.n) for row in rows]

    # -- recognition (the digest, /entraide stats) ------------------------------

    async def credits(
        self, community_id: str, since: datetime | None = None
    ) -> dict[str, dict[str, int]]:
        """Per member: helpful marks received, accepted answers, practice shares, resources."""
        credits: dict[str, dict[str, int]] = {}

        def add(member_id: str | None, what: str, count: int) -> None:
            if member_id:
                credits.setdefault(
                    member_id, {"helpful": 0, "accepted": 0, "shares": 0, "resources": 0}
                )
                credits[member_id][what] += count

        for kind, what in ((MarkKind.HELPFUL, "helpful"), (MarkKind.ACCEPTED, "accepted")):
            stmt = (
                select(answers.c.author_id, func.count())
                .select_from(
                    marks.join(
                        answers,
                        and_(
                            answers.c.community_id == marks.c.community_id,
                            answers.c.message_id == marks.c.message_id,
                        ),
                    )
                )
                .where(
                    marks.c.community_id == community_id,
                    marks.c.kind == kind.value,
                    marks.c.revoked_at.is_(None),
                )
                .group_by(answers.c.author_id)
            )
            if since is not None:
                stmt = stmt.where(marks.c.created_at >= since)
            for member_id, count in await self.conn.execute(stmt):
                add(member_id, what, count)
        for table, column, what in (
            (practice_shares, practice_shares.c.author_id, "shares"),
            (resources, resources.c.shared_by, "resources"),
        ):
            stmt = (
                select(column, func.count())
                .where(table.c.community_id == community_id)
                .group_by(column)
            )
            if since is not None:
                stmt = stmt.where(table.c.created_at >= since)
            for member_id, count in await self.conn.execute(stmt):
                add(member_id, what, count)
        return credits

    async def active_members(self, community_id: str, since: datetime) -> int:
        result = await self.conn.execute(
            select(func.count()).where(
                members.c.community_id == community_id, members.c.last_seen_at >= since
            )
        )
        return result.scalar_one()

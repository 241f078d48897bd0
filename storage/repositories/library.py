"""The knowledge base's and the lists' reads for the web pages (part of ``tx.reports``):
questions by state and tag, resolved questions with their answers, practice shares,
resources with tags, notes and upvotes, and names. ``public`` reads leave out what the
public knowledge base never shows: erased members' content."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import Answer, MarkKind, PracticeShare, Question, QuestionStatus, Resource
from bot.search import Hit, Kind, Query
from storage import search as search_backend
from storage.repositories.marks import live_count
from storage.repositories.question_rows import answer_from_row, question_from_row
from storage.repositories.resources import resource_from_row
from storage.tables import (
    answers,
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


class LibraryReports:
    conn: AsyncConnection
    postgres: bool

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
        return [question_from_row(row) for row in rows], total

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
        return [question_from_row(row) for row in await self.conn.execute(stmt)]

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
        return {row.id: question_from_row(row) for row in await self.conn.execute(stmt)}

    async def answers(
        self, community_id: str, question_ids: Sequence[int], public: bool = False
    ) -> list[Answer]:
        """The answers of some questions, oldest first; ``public`` leaves out erased members'."""
        if not question_ids:
            return []
        helpful = live_count(MarkKind.HELPFUL, a.community_id, a.message_id)
        stmt = (
            select(answers, helpful.label("helpful_count"))
            .where(a.community_id == community_id, a.question_id.in_(list(question_ids)))
            .order_by(a.created_at, a.id)
        )
        if public:
            stmt = stmt.where(a.author_id.is_not(None))
        return [answer_from_row(row) for row in await self.conn.execute(stmt)]

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
        upvotes = live_count(MarkKind.UPVOTE, r.community_id, r.post_message_id).label("upvotes")
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
            resource_from_row(row, tuple(tags[row.id]), tuple(notes[row.id]), row.upvotes)
            for row in rows
        ], total

"""Routed requests, and what tells who knows a topic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.engine import Row

from bot.domain import Expertise, MarkKind, QuestionStatus, RequestStatus, RoutedRequest
from storage.sql import Repository
from storage.tables import (
    answers,
    communities,
    marks,
    questions,
    resource_tags,
    resources,
    routing_requests,
)


def _in_order(statement):
    return statement.order_by(routing_requests.c.asked_at, routing_requests.c.id)


def _routed(row: Row) -> RoutedRequest:
    return RoutedRequest(
        id=row.id,
        community_id=row.community_id,
        question_id=row.question_id,
        member_id=row.member_id,
        day=row.day,
        asked_at=row.asked_at,
        status=RequestStatus(row.status),
        responded_at=row.responded_at,
    )


# By the question's id alone, through its index (by the community first, SQLite read all of
# the community's requests); the community is checked on the rows, see storage.sql.
_FOR_QUESTION = _in_order(
    select(routing_requests).where(routing_requests.c.question_id == bindparam("question_id"))
)


class Routing(Repository):
    async def lock(self, community_id: str) -> None:
        """A write on the community's row: a row lock on PostgreSQL, the write lock on SQLite,
        held until the unit of work ends."""
        await self.conn.execute(
            update(communities).where(communities.c.id == community_id).values(id=communities.c.id)
        )

    async def add(
        self,
        community_id: str,
        question_id: int,
        member_id: str,
        day: str,
        slot: int,
        now: datetime,
    ) -> RoutedRequest | None:
        # Either unique key may refuse it: the (question, member) pair or the member's slot.
        stmt = (
            self._dialect()
            .insert(routing_requests)
            .values(
                community_id=community_id,
                question_id=question_id,
                member_id=member_id,
                day=day,
                slot=slot,
                status=RequestStatus.ASKED.value,
                asked_at=now,
            )
            .on_conflict_do_nothing()
            .returning(routing_requests.c.id)
        )
        request_id = (await self.conn.execute(stmt)).scalar_one_or_none()
        return None if request_id is None else await self.get(community_id, request_id)

    async def get(self, community_id: str, request_id: int) -> RoutedRequest | None:
        found = await self._requests(
            routing_requests.c.community_id == community_id, routing_requests.c.id == request_id
        )
        return found[0] if found else None

    async def for_question(self, community_id: str, question_id: int) -> list[RoutedRequest]:
        rows = await self.conn.execute(_FOR_QUESTION, {"question_id": question_id})
        return [_routed(row) for row in rows if row.community_id == community_id]

    async def since(self, community_id: str, since: datetime) -> list[RoutedRequest]:
        return await self._requests(
            routing_requests.c.community_id == community_id,
            routing_requests.c.asked_at >= since,
        )

    async def _requests(self, *conditions) -> list[RoutedRequest]:
        rows = await self.conn.execute(_in_order(select(routing_requests).where(*conditions)))
        return [_routed(row) for row in rows]

    async def respond(
        self, community_id: str, request_id: int, status: RequestStatus, now: datetime
    ) -> bool:
        result = await self.conn.execute(
            update(routing_requests)
            .where(
                routing_requests.c.community_id == community_id,
                routing_requests.c.id == request_id,
                routing_requests.c.status.notin_([status.value, RequestStatus.ANSWERED.value]),
            )
            .values(status=status.value, responded_at=now)
        )
        return result.rowcount == 1

    async def answered(
        self, community_id: str, question_id: int, member_id: str, now: datetime
    ) -> None:
        await self.conn.execute(
            update(routing_requests)
            .where(
                routing_requests.c.community_id == community_id,
                routing_requests.c.question_id == question_id,
                routing_requests.c.member_id == member_id,
                # One who took it keeps "taken" (the history tells both).
                routing_requests.c.status == RequestStatus.ASKED.value,
            )
            .values(status=RequestStatus.ANSWERED.value, responded_at=now)
        )

    async def active_counts(self, community_id: str, question_ids: Sequence[int]) -> dict[int, int]:
        if not question_ids:
            return {}
        rows = await self.conn.execute(
            select(routing_requests.c.question_id, func.count())
            .where(
                routing_requests.c.community_id == community_id,
                routing_requests.c.question_id.in_(list(question_ids)),
                routing_requests.c.status != RequestStatus.DECLINED.value,
            )
            .group_by(routing_requests.c.question_id)
        )
        return {question_id: count for question_id, count in rows}

    async def expertise(
        self, community_id: str, tags: Sequence[str], since: datetime
    ) -> list[Expertise]:
        wanted = set(tags)
        if not wanted:
            return []
        # (author, question, when): accepted answers, then answers marked helpful (once each,
        # at their latest mark). Questions' tags are JSON: matched here, not in SQL.
        signs: list[tuple[str, int, str, datetime]] = []
        accepted = await self.conn.execute(
            select(answers.c.author_id, questions.c.id, questions.c.resolved_at)
            .select_from(questions.join(answers, answers.c.id == questions.c.accepted_answer_id))
            .where(
                questions.c.community_id == community_id,
                questions.c.status == QuestionStatus.RESOLVED.value,
                questions.c.resolved_at >= since,
                answers.c.author_id.is_not(None),
            )
        )
        signs += [(author, qid, "accepted", at) for author, qid, at in accepted]
        helpful = await self.conn.execute(
            select(answers.c.author_id, answers.c.question_id, func.max(marks.c.created_at))
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
                marks.c.kind == MarkKind.HELPFUL.value,
                marks.c.revoked_at.is_(None),
                marks.c.created_at >= since,
                answers.c.author_id.is_not(None),
            )
            .group_by(answers.c.id, answers.c.author_id, answers.c.question_id)
        )
        signs += [(author, qid, "helpful", at) for author, qid, at in helpful]
        tags_of: dict[int, tuple[str, ...]] = {}
        ids = list({qid for _, qid, _, _ in signs})
        if ids:
            rows = await self.conn.execute(
                select(questions.c.id, questions.c.tags).where(
                    questions.c.community_id == community_id, questions.c.id.in_(ids)
                )
            )
            tags_of = {qid: tuple(found or ()) for qid, found in rows}
        found = [
            Expertise(author, tag, kind, at)
            for author, qid, kind, at in signs
            for tag in tags_of.get(qid, ())
            if tag in wanted
        ]
        shared = await self.conn.execute(
            select(resources.c.shared_by, resource_tags.c.tag, resources.c.created_at)
            .select_from(
                resource_tags.join(resources, resources.c.id == resource_tags.c.resource_id)
            )
            .where(
                resource_tags.c.community_id == community_id,
                resource_tags.c.tag.in_(list(wanted)),
                resources.c.shared_by.is_not(None),
                resources.c.created_at >= since,
            )
        )
        found += [Expertise(member, tag, "resource", at) for member, tag, at in shared]
        return found

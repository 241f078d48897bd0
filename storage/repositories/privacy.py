"""Erasing a member."""

from __future__ import annotations

from sqlalchemy import delete, or_, select, update

from bot.domain import MarkKind
from bot.ports import Erasure
from storage.sql import Repository
from storage.tables import (
    answers,
    custom_prompts,
    early_events,
    marks,
    member_topics,
    members,
    practice_shares,
    questions,
    resource_notes,
    resources,
    roundups,
    routing_requests,
)


class Privacy(Repository):
    async def forget_member(self, community_id: str, member_id: str, placeholder: str) -> Erasure:
        """Erase a member: questions anonymous, answer texts and notes emptied, marks and topics gone."""

        async def ids(stmt) -> list[int]:
            return list((await self.conn.execute(stmt)).scalars())

        touched = Erasure(
            shown_question_ids=await ids(
                select(questions.c.id).where(
                    questions.c.community_id == community_id,
                    or_(
                        questions.c.asker_id == member_id,
                        questions.c.id.in_(
                            select(routing_requests.c.question_id).where(
                                routing_requests.c.community_id == community_id,
                                routing_requests.c.member_id == member_id,
                            )
                        ),
                        questions.c.message_id.in_(
                            select(marks.c.message_id).where(
                                marks.c.community_id == community_id,
                                marks.c.member_id == member_id,
                                marks.c.kind == MarkKind.ME_TOO.value,
                            )
                        ),
                    ),
                )
            ),
            shared_resource_ids=await ids(
                select(resources.c.id).where(
                    resources.c.community_id == community_id,
                    resources.c.shared_by == member_id,
                )
            ),
            resolved_question_ids=await ids(
                select(questions.c.id).where(
                    questions.c.community_id == community_id,
                    questions.c.accepted_answer_id.in_(
                        select(answers.c.id).where(
                            answers.c.community_id == community_id,
                            answers.c.author_id == member_id,
                        )
                    ),
                )
            ),
            resource_ids=await ids(
                select(resource_notes.c.resource_id)
                .where(
                    resource_notes.c.community_id == community_id,
                    resource_notes.c.author_id == member_id,
                )
                .distinct()
            ),
            share_ids=await ids(
                select(practice_shares.c.id).where(
                    practice_shares.c.community_id == community_id,
                    practice_shares.c.author_id == member_id,
                )
            ),
        )
        counts = touched.counts

        async def run(name: str, stmt) -> None:
            counts[name] = (await self.conn.execute(stmt)).rowcount

        await run(
            "questions",
            update(questions)
            .where(questions.c.community_id == community_id, questions.c.asker_id == member_id)
            .values(asker_id=None, anonymous=True),
        )
        await run(
            "answers",
            update(answers)
            .where(answers.c.community_id == community_id, answers.c.author_id == member_id)
            .values(author_id=None, text=placeholder),
        )
        await run(
            "notes",
            update(resource_notes)
            .where(
                resource_notes.c.community_id == community_id,
                resource_notes.c.author_id == member_id,
            )
            .values(author_id=None, text=""),
        )
        await run(
            "resources",
            update(resources)
            .where(resources.c.community_id == community_id, resources.c.shared_by == member_id)
            .values(shared_by=None),
        )
        await run(
            "shares",
            update(practice_shares)
            .where(
                practice_shares.c.community_id == community_id,
                practice_shares.c.author_id == member_id,
            )
            .values(author_id=None, text=placeholder),
        )
        await run(
            "reactions",
            delete(marks).where(
                marks.c.community_id == community_id, marks.c.member_id == member_id
            ),
        )
        await run(
            "topics",
            delete(member_topics).where(
                member_topics.c.community_id == community_id, member_topics.c.member_id == member_id
            ),
        )
        # Replies and reactions waiting for their post to be recorded: erased, never counted.
        await self.conn.execute(
            delete(early_events).where(
                early_events.c.community_id == community_id,
                early_events.c.author_id == member_id,
            )
        )
        # Who was asked to help, and the round-ups sent to them, go with the topics.
        await self.conn.execute(
            delete(routing_requests).where(
                routing_requests.c.community_id == community_id,
                routing_requests.c.member_id == member_id,
            )
        )
        await self.conn.execute(
            delete(roundups).where(
                roundups.c.community_id == community_id, roundups.c.route == f"@{member_id}"
            )
        )
        await self.conn.execute(
            update(custom_prompts)
            .where(
                custom_prompts.c.community_id == community_id,
                custom_prompts.c.author_id == member_id,
            )
            .values(author_id=None)
        )
        await self.conn.execute(
            delete(members).where(
                members.c.community_id == community_id, members.c.member_id == member_id
            )
        )
        return touched

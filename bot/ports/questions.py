"""Questions, their answers and their reminder rounds (each one a question's place in a
round-up)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain import Answer, CardFacts, Question, QuestionStatus


class Questions(Protocol):
    async def add(
        self,
        community_id: str,
        channel_id: str,
        asker_id: str,
        anonymous: bool,
        title: str,
        details: str,
        tags: tuple[str, ...],
        status: QuestionStatus,
        now: datetime,
    ) -> Question:
        """Store a new question (its number is the next one) and return it."""

    async def get(self, community_id: str, question_id: int) -> Question | None:
        """The question with that number in that community, if any."""

    async def card(self, community_id: str, question_id: int) -> CardFacts | None:
        """The question with what its card shows: the asker's name, the member looking into
        it last and their name, how many have the same question."""

    async def by_message(self, community_id: str, message_id: str) -> Question | None:
        """The question whose card is ``message_id`` (its thread holds the answers)."""

    async def by_ids(self, community_id: str, ids: Sequence[int]) -> dict[int, Question]:
        """The questions with these numbers; unknown numbers are left out."""

    async def update(self, question: Question) -> None:
        """Save a question's state: status, card, answers' times, accepted answer, reminders,
        why and when it was closed."""

    async def open(self, community_id: str, limit: int) -> list[Question]:
        """The community's most recent questions that are posted and still open or answered."""

    async def asked_between(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[Question]:
        """Questions asked in [start, end), drafts and withdrawn ones aside, oldest first."""

    async def resolved_between(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[Question]:
        """Questions resolved in [start, end), in the order they were resolved."""

    async def unanswered(self, created_before: datetime, max_reminders: int) -> list[Question]:
        """Open questions of every community, posted, with no answer yet and reminders left
        to send, oldest first (what the scheduler raises again)."""

    async def awaiting(self, asked_after: datetime, asked_before: datetime) -> list[Question]:
        """Open questions of every community, posted, with no answer yet, asked in
        (asked_after, asked_before], oldest first (what routing looks for members for)."""

    async def duplicates_of(self, community_id: str, question_id: int) -> list[Question]:
        """The questions closed as duplicates of this one."""

    async def closed_between(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[Question]:
        """Questions closed (not resolved) in [start, end), in the order they were closed."""

    async def add_reminder(self, question: Question, round_: int, now: datetime) -> bool:
        """Record that reminder ``round_`` of a question is on its way (in a round-up), and
        when; False if it already was."""

    async def add_answer(
        self,
        community_id: str,
        question_id: int,
        author_id: str,
        text: str,
        message_id: str,
        now: datetime,
    ) -> Answer | None:
        """Record a thread reply as an answer; None when that message was already recorded."""

    async def answer(self, community_id: str, answer_id: int) -> Answer | None:
        """The answer with that id, with its helpful count."""

    async def with_accepted(
        self, community_id: str, ids: Sequence[int]
    ) -> dict[int, tuple[Question, Answer | None]]:
        """The questions with these numbers, each with its accepted answer if it has one, in
        one query (a search's hits, /ask's similar questions); unknown numbers left out."""

    async def answer_by_message(self, community_id: str, message_id: str) -> Answer | None:
        """The answer that is message ``message_id``, with its helpful count."""

    async def answer_and_question(
        self, community_id: str, message_id: str
    ) -> tuple[Answer, Question] | None:
        """The answer that is message ``message_id``, with its question, in one query
        (reactions on answers come in storms)."""

    async def answers(self, community_id: str, question_id: int) -> list[Answer]:
        """A question's answers, oldest first, with their helpful counts."""

    async def all(self, community_id: str) -> list[Question]:
        """Every question of the community but drafts and withdrawn ones (exports)."""

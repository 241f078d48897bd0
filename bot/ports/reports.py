"""What a community's health, recognition and knowledge base are read from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain import Answer, PracticeShare, Question, Resource
from bot.search import Hit, Kind, Query
from bot.web.model import PromptWeek, QuestionWeek


class Reports(Protocol):
    """What a community's health and recognition are read from: the web pages, the digest,
    ``/entraide stats``. Scoped by community; ``weeks`` are (start, end) pairs; ``public``
    reads leave out what the public knowledge base never shows: erased members' content."""

    async def community(self, community_id: str) -> tuple[str, str] | None:
        """(language, time zone) of a community, or None when there is no such community."""

    async def question_weeks(
        self, community_id: str, weeks: Sequence[tuple[datetime, datetime]], now: datetime
    ) -> list[QuestionWeek]: ...

    async def prompt_weeks(
        self, community_id: str, weeks: Sequence[tuple[datetime, datetime]]
    ) -> list[PromptWeek]: ...

    async def unanswered_by_tag(
        self, community_id: str, since: datetime, limit: int = 12
    ) -> list[tuple[str, int]]: ...

    async def answers_by_helper(
        self, community_id: str, start: datetime, end: datetime
    ) -> list[tuple[str, int]]: ...

    async def most_upvoted(
        self, community_id: str, start: datetime, end: datetime, limit: int = 5
    ) -> list[tuple[Resource, int]]: ...

    async def most_saved(
        self, community_id: str, start: datetime, end: datetime, limit: int = 5
    ) -> list[tuple[Resource, int]]: ...

    async def names(
        self, community_id: str, member_ids: Sequence[str], public_only: bool = False
    ) -> dict[str, str]: ...

    async def question_tags(self, community_id: str, limit: int = 40) -> list[tuple[str, int]]: ...

    async def questions(
        self, community_id: str, status: str | None, tag: str | None, limit: int, offset: int = 0
    ) -> tuple[list[Question], int]: ...

    async def answer_counts(
        self, community_id: str, question_ids: Sequence[int]
    ) -> dict[int, int]: ...

    async def search(
        self, community_id: str, query: Query, kinds: Sequence[Kind], limit: int
    ) -> list[Hit]: ...

    async def resolved_questions(
        self, community_id: str, limit: int, offset: int = 0, public: bool = False
    ) -> list[Question]: ...

    async def questions_by_ids(
        self, community_id: str, ids: Sequence[int], public: bool = False
    ) -> dict[int, Question]: ...

    async def answers(
        self, community_id: str, question_ids: Sequence[int], public: bool = False
    ) -> list[Answer]: ...

    async def shares(
        self,
        community_id: str,
        ids: Sequence[int] | None = None,
        limit: int = 20,
        public: bool = False,
    ) -> list[PracticeShare]: ...

    async def resource_tags(self, community_id: str, limit: int = 40) -> list[tuple[str, int]]: ...

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
    ) -> tuple[list[Resource], int]: ...

    async def credits(
        self, community_id: str, since: datetime | None = None
    ) -> dict[str, dict[str, int]]:
        """Per member: helpful marks received, accepted answers, practice shares, resources
        shared (since ``since``, or ever)."""

    async def active_members(self, community_id: str, since: datetime) -> int:
        """How many members acted since ``since``."""

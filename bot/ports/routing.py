"""Routed requests: members asked privately to help with a question, and what tells who
knows a topic (answers accepted or found helpful, resources shared)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain import Expertise, RequestStatus, RoutedRequest


class Routing(Protocol):
    async def lock(self, community_id: str) -> None:
        """Take the community's routing turn for this unit of work: routing decisions of one
        community are made one at a time across instances, so that the rules that read the
        requests already made (the pending one, the daily cap) hold when two route at once."""

    async def add(
        self,
        community_id: str,
        question_id: int,
        member_id: str,
        day: str,
        slot: int,
        now: datetime,
    ) -> RoutedRequest | None:
        """Record a request to a member, in the ``slot``-th place of their local ``day``; None
        if they were already asked about this question or that slot is taken."""

    async def get(self, community_id: str, request_id: int) -> RoutedRequest | None:
        """The request with that id, if any."""

    async def for_question(self, community_id: str, question_id: int) -> list[RoutedRequest]:
        """A question's requests, in the order they were made."""

    async def since(self, community_id: str, since: datetime) -> list[RoutedRequest]:
        """The community's requests made since ``since``, oldest first (the caps read them)."""

    async def respond(
        self, community_id: str, request_id: int, status: RequestStatus, now: datetime
    ) -> bool:
        """The member took or declined the request; False if they already had answered it so."""

    async def answered(
        self, community_id: str, question_id: int, member_id: str, now: datetime
    ) -> None:
        """The member answered the question: their request, if still unanswered, is done."""

    async def active_counts(self, community_id: str, question_ids: Sequence[int]) -> dict[int, int]:
        """Per question, how many requests were made and not declined."""

    async def expertise(
        self, community_id: str, tags: Sequence[str], since: datetime
    ) -> list[Expertise]:
        """Since ``since``, each answer accepted or found helpful on a question with one of
        ``tags``, and each resource shared with one: one row per matching tag."""

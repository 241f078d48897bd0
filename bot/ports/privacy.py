"""Erasing a member (``/entraide forget-me``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Erasure:
    """What ``forget_member`` changed: counts to tell the member, items whose search text changed."""

    resolved_question_ids: list[int]
    resource_ids: list[int]
    share_ids: list[int]
    # The cards that showed the member: questions they asked, took (a routed request) or
    # said "me too" to; resources they shared.
    shown_question_ids: list[int] = field(default_factory=list)
    shared_resource_ids: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


class Privacy(Protocol):
    async def forget_member(self, community_id: str, member_id: str, placeholder: str) -> Erasure:
        """Erase a member: their questions become anonymous, their answers' and shares' text
        becomes ``placeholder``, their notes empty; their marks, topics, name, and replies
        and reactions not yet counted (``early_events``) go."""

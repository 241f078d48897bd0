"""The queue of what the bot tells platforms: durable, leased, fenced (``bot.delivery``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain import Delivery, DeliveryAction, DeliveryStatus


class Deliveries(Protocol):
    """The queue of what the bot tells platforms (``storage.deliveries``): durable, leased, fenced.

    Every change to a claimed delivery names its ``attempt`` (the fencing token) and
    returns False, changing nothing, once another claimant took it over.
    """

    async def add(
        self,
        community_id: str,
        key: str,
        action: DeliveryAction,
        route: str,
        now: datetime,
        *,
        claimed_for: timedelta | None = None,
        channel_id: str | None = None,
        thread_id: str | None = None,
        member_id: str | None = None,
        target_id: str | None = None,
        subject: str | None = None,
        subject_id: int | None = None,
        body: dict | None = None,
    ) -> Delivery | None:
        """Queue a delivery, due now; None when one with this key exists already.
        ``claimed_for``: claimed at once (attempt 1, leased that long) by the instance that
        queues it."""

    async def edit_waiting(self, community_id: str, subject: str, subject_id: int) -> bool:
        """Whether an edit of this subject is queued and not claimed yet."""

    async def posted(
        self, community_id: str, subject: str, subject_id: int
    ) -> tuple[DeliveryStatus, str | None] | None:
        """Where the post of a subject (a question's card) stands, and the message it became."""

    async def posts_of(
        self, community_id: str, subject: str, subject_ids: Sequence[int]
    ) -> list[tuple[int, str, str | None]]:
        """(subject id, channel, message, if posted already) of these subjects' posts that
        were made, or may still be."""

    async def posting(
        self, community_id: str, subjects: Sequence[str], up_to: int | None = None
    ) -> int | None:
        """The id of the newest post of these subjects (no newer than ``up_to``) that may have
        been made and not yet recorded: claimed, or waiting after an attempt whose outcome is
        unknown. None if there is none."""

    async def due_lanes(self, now: datetime, limit: int = 1000) -> list[tuple[str, str]]:
        """(community, route) of the lanes with something to send now, oldest first."""

    async def claim_next(
        self, community_id: str, route: str, now: datetime, lease: timedelta
    ) -> Delivery | None:
        """Claim a lane's oldest claimable delivery: due and waiting, or whose lease ran out."""

    async def renew(
        self, held: Sequence[tuple[int, int]], now: datetime, lease: timedelta
    ) -> set[int]:
        """Extend the leases of (id, attempt) still in flight; the ids still held."""

    async def finish_all(self, sent: Sequence[tuple[Delivery, str | None, datetime]]) -> set[int]:
        """Sent: each (delivery, message id, when) recorded, the message id on the delivery
        and on its subject; the ids of those recorded (the others were taken over). A
        delivery already recorded sent by the same attempt counts as recorded."""

    async def give_up(
        self, delivery: Delivery, status: DeliveryStatus, error: str, now: datetime
    ) -> bool:
        """Failed for good or cancelled: never tried again."""

    async def reschedule(
        self,
        delivery: Delivery,
        due_at: datetime,
        *,
        uncertain: bool,
        error: str | None = None,
    ) -> bool:
        """Back in the queue until ``due_at`` (``error`` counts a failure)."""

    async def next_due_at(self) -> datetime | None:
        """When the earliest waiting delivery becomes due."""

    async def backlog(self, now: datetime) -> int:
        """How many deliveries could be sent now and are not yet."""

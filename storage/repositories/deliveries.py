"""The deliveries repository: the durable queue of everything the bot tells a platform.

A delivery is claimed by bumping its ``attempt`` (the fencing token) and setting a
lease; every later write names the token it holds, so that a claimant whose lease
was taken over (a frozen process, a call slower than the lease) changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, literal_column, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

from bot.domain import Delivery, DeliveryAction, DeliveryStatus, OccurrenceStatus
from storage.repositories.posts_made import FENCED, record_posts
from storage.tables import deliveries, occurrences

d = deliveries.c
PENDING, SENDING = DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value


def _claimable(now: datetime):
    """Waiting and due, or held by a claimant whose lease ran out (it died, or froze)."""
    return or_(
        and_(d.status == PENDING, d.due_at <= now),
        and_(d.status == SENDING, d.lease_until < now),
    )


def _of_subjects(
    community_id: str,
    subject: str,
    subject_ids: Sequence[int],
    *columns,
    action=DeliveryAction.POST,
):
    """These subjects' deliveries doing ``action`` (their posts), oldest first."""
    return (
        select(*columns)
        .where(
            d.community_id == community_id,
            d.subject == subject,
            d.subject_id.in_(subject_ids),
            d.action == action.value,
        )
        .order_by(d.id)
    )


class Deliveries:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

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
        """Queue a delivery; None when one with this key exists (it is already on its way).

        ``claimed_for``: claimed at once (attempt 1, leased that long) by the instance that
        queues it, which sends it once this unit of work commits, with no claim of its own."""
        fields = dict(locals())
        values = _values(community_id, key, action, route, now, fields)
        if claimed_for is None:
            values |= {"status": PENDING}
        else:
            values |= {"status": SENDING, "attempt": 1, "lease_until": now + claimed_for}
        insert = _INSERT["postgresql" if self.conn.dialect.name == "postgresql" else "sqlite"]
        row = (await self.conn.execute(insert, values)).first()
        return _delivery(row) if row else None

    async def edit_waiting(self, community_id: str, subject: str, subject_id: int) -> bool:
        """Whether an edit of this subject is queued and not yet claimed: it will show the
        subject as it is when it is sent, so a second one would say the same."""
        edits = _of_subjects(community_id, subject, [subject_id], d.id, action=DeliveryAction.EDIT)
        waiting = edits.where(d.status == PENDING).limit(1)
        return (await self.conn.execute(waiting)).first() is not None

    async def posted(
        self, community_id: str, subject: str, subject_id: int
    ) -> tuple[DeliveryStatus, str | None] | None:
        """Where the post of a subject (a question's card) stands, and the message it became."""
        post = _of_subjects(community_id, subject, [subject_id], d.status, d.message_id)
        row = (await self.conn.execute(post.limit(1))).first()
        return (DeliveryStatus(row.status), row.message_id) if row else None

    async def posts_of(
        self, community_id: str, subject: str, subject_ids: Sequence[int]
    ) -> list[tuple[int, str, str | None]]:
        """(subject id, channel, message, if posted already) of these subjects' posts that
        were made, or may still be."""
        columns = (d.subject_id, d.channel_id, d.message_id)
        posts = _of_subjects(community_id, subject, subject_ids, *columns)
        made = [PENDING, SENDING, DeliveryStatus.SENT.value]
        rows = await self.conn.execute(posts.where(d.status.in_(made)))
        return [(row.subject_id, row.channel_id or "", row.message_id) for row in rows]

    async def posting(
        self, community_id: str, subjects: Sequence[str], up_to: int | None = None
    ) -> int | None:
        """The newest post of these subjects (up to the id ``up_to``) that may be made and
        not yet recorded: claimed, or waiting after an attempt whose outcome is unknown."""
        found = await self.conn.execute(
            _POSTING[self.conn.dialect.name],
            {
                "community_id": community_id,
                "subjects": list(subjects),
                "up_to": up_to or _NO_ID_ABOVE,
            },
        )
        return found.scalar()

    async def due_lanes(self, now: datetime, limit: int = 1000) -> list[tuple[str, str]]:
        """(community, route) of every lane with something to send now, oldest first."""
        rows = await self.conn.execute(
            select(d.community_id, d.route)
            .where(_claimable(now))
            .group_by(d.community_id, d.route)
            .order_by(func.min(d.id))
            .limit(limit)
        )
        return [(row.community_id, row.route) for row in rows]

    async def claim_next(
        self, community_id: str, route: str, now: datetime, lease: timedelta
    ) -> Delivery | None:
        """Claim the oldest claimable delivery of a lane; exactly one of racing claimants gets it."""
        oldest = (
            select(d.id)
            .where(d.community_id == community_id, d.route == route, _claimable(now))
            .order_by(d.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        # Taking over a claim whose holder vanished: it may have posted before it did.
        taken_over = case((d.status == SENDING, True), else_=d.uncertain)
        row = (
            await self.conn.execute(
                update(deliveries)
                .where(d.id == oldest, _claimable(now))
                .values(
                    status=SENDING,
                    attempt=d.attempt + 1,
                    lease_until=now + lease,
                    uncertain=taken_over,
                )
                .returning(*deliveries.c)
            )
        ).first()
        return _delivery(row) if row else None

    async def renew(
        self, held: Sequence[tuple[int, int]], now: datetime, lease: timedelta
    ) -> set[int]:
        """Extend the leases of deliveries still in flight; return the ids still held."""
        kept = set()
        for delivery_id, attempt in held:
            result = await self.conn.execute(
                update(deliveries)
                .where(d.id == delivery_id, d.attempt == attempt, d.status == SENDING)
                .values(lease_until=now + lease)
            )
            if result.rowcount == 1:
                kept.add(delivery_id)
        return kept

    async def _fenced(self, delivery: Delivery, **values) -> bool:
        """Change a delivery only while ``delivery.attempt`` still holds it."""
        given = {name: value for name, value in values.items() if not _expression(value)}
        computed = {name: value for name, value in values.items() if name not in given}
        stmt = FENCED.values(**computed) if computed else FENCED
        given |= {"fenced_id": delivery.id, "fenced_attempt": delivery.attempt}
        return (await self.conn.execute(stmt, given)).rowcount == 1

    async def finish_all(self, sent: Sequence[tuple[Delivery, str | None, datetime]]) -> set[int]:
        """Sent: record each post's message (on the delivery and on its subject), if its
        attempt still holds it; returns the ids of those recorded. On PostgreSQL, one
        statement does it all, so that it holds alone (in an ``each_statement`` unit of
        work: one round trip, no BEGIN and COMMIT). On SQLite, one statement run for each
        in one call, the ids read back, their subjects in one more call."""
        return await record_posts(self.conn, sent)

    async def give_up(
        self, delivery: Delivery, status: DeliveryStatus, error: str, now: datetime
    ) -> bool:
        """Failed for good, or cancelled: never tried again. False if fenced out."""
        if not await self._fenced(
            delivery, status=status.value, error=error[:1000], finished_at=now, lease_until=None
        ):
            return False
        if delivery.subject == "occurrence" and delivery.action is DeliveryAction.POST:
            failed = status is DeliveryStatus.FAILED
            await self.conn.execute(
                update(occurrences)
                .where(occurrences.c.id == delivery.subject_id)
                .values(
                    status=(OccurrenceStatus.FAILED if failed else OccurrenceStatus.SKIPPED).value
                )
            )
        return True

    async def reschedule(
        self,
        delivery: Delivery,
        due_at: datetime,
        *,
        uncertain: bool,
        error: str | None = None,
    ) -> bool:
        """Back in the queue until ``due_at``: a failure to try again (with ``error``), a
        claim released at shutdown, or an edit whose card is not posted yet. False if fenced out."""
        values: dict = {
            "status": PENDING,
            "due_at": due_at,
            "lease_until": None,
            "uncertain": uncertain,
        }
        if error is not None:
            values |= {"error": error[:1000], "failures": d.failures + 1}
        return await self._fenced(delivery, **values)

    async def next_due_at(self) -> datetime | None:
        """When the earliest waiting delivery becomes due (a retry's backoff, say)."""
        found = await self.conn.execute(select(func.min(d.due_at)).where(d.status == PENDING))
        return found.scalar_one_or_none()

    async def backlog(self, now: datetime) -> int:
        """How many deliveries could be sent now and are not yet."""
        found = await self.conn.execute(select(func.count()).where(_claimable(now)))
        return found.scalar_one()


# The statements of every delivery, built once: building one, and its cache key, cost
# more than SQLite running it.
_INSERT = {
    name: dialect.insert(deliveries)
    .on_conflict_do_nothing(index_elements=["community_id", "key"])
    .returning(*deliveries.c)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def _posting(dialect: str):
    """Few deliveries are in flight: found by their status. SQLite, which keeps no
    statistics, would walk every delivery the community ever had by its community's index:
    a unary + keeps that index out of its choice."""
    community = (
        literal_column("+deliveries.community_id") if dialect == "sqlite" else d.community_id
    )
    return select(func.max(d.id)).where(
        d.status.in_((SENDING, PENDING)),
        or_(d.status == SENDING, d.uncertain),
        community == bindparam("community_id"),
        d.action == DeliveryAction.POST.value,
        d.subject.in_(bindparam("subjects", expanding=True)),
        d.id <= bindparam("up_to"),
    )


_POSTING = {name: _posting(name) for name in ("postgresql", "sqlite")}
_NO_ID_ABOVE = 2**31 - 1  # an INTEGER's largest


def _expression(value) -> bool:
    return isinstance(value, ClauseElement)


_FIELDS = ("channel_id", "thread_id", "member_id", "target_id", "subject", "subject_id", "body")


def _values(
    community_id: str, key: str, action: DeliveryAction, route: str, now: datetime, fields: dict
) -> dict:
    return {name: fields[name] for name in _FIELDS} | {
        "community_id": community_id,
        "key": key[:200],
        "action": action.value,
        "route": route[:200],
        "due_at": now,
        "created_at": now,
    }


def _delivery(row) -> Delivery:
    return Delivery(
        id=row.id,
        community_id=row.community_id,
        key=row.key,
        action=DeliveryAction(row.action),
        route=row.route,
        created_at=row.created_at,
        channel_id=row.channel_id,
        thread_id=row.thread_id,
        member_id=row.member_id,
        target_id=row.target_id,
        subject=row.subject,
        subject_id=row.subject_id,
        body=row.body,
        attempt=row.attempt,
        uncertain=bool(row.uncertain),
        failures=row.failures,
    )

"""Posts made, recorded (``Deliveries.finish_all``): each delivery marked sent while its
attempt still holds it, and the message it became remembered on its subject, where replies
in its thread and reactions on it are found from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, bindparam, column, func, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import Delivery, DeliveryStatus, OccurrenceStatus
from storage.tables import deliveries, occurrences, questions, resources

d = deliveries.c
SENDING, SENT = DeliveryStatus.SENDING.value, DeliveryStatus.SENT.value

# Where a subject's post is remembered once it is made.
POSTED_ON = {
    "question": (questions, questions.c.message_id),
    "resource": (resources, resources.c.post_message_id),
    "occurrence": (occurrences, occurrences.c.message_id),
}

# A change to a delivery, made only while the attempt named still holds it.
FENCED = update(deliveries).where(
    d.id == bindparam("fenced_id"), d.attempt == bindparam("fenced_attempt"), d.status == SENDING
)


async def record_posts(
    conn: AsyncConnection, sent: Sequence[tuple[Delivery, str | None, datetime]]
) -> set[int]:
    """Each (delivery, message id, when) recorded sent, if its attempt still holds it; the
    ids of those recorded. A delivery already recorded sent by the same attempt counts (a
    unit of work whose commit's answer was lost, written again)."""
    if not sent:
        return set()
    if conn.dialect.name == "postgresql":
        posts = {
            "ids": [x.id for x, _, _ in sent],
            "attempts": [x.attempt for x, _, _ in sent],
            "message_ids": [message_id for _, message_id, _ in sent],
            "times": [now for _, _, now in sent],
        }
        return {row.id for row in await conn.execute(_IN_ONE_STATEMENT, posts)}
    await conn.execute(
        FENCED,
        [
            {
                "fenced_id": x.id,
                "fenced_attempt": x.attempt,
                "status": SENT,
                "message_id": message_id,
                "finished_at": now,
                "lease_until": None,
            }
            for x, message_id, now in sent
        ],
    )
    # Which of them this attempt finished: a delivery fenced out (claimed again since) has
    # another attempt now. Read in the same unit of work, so what it wrote.
    rows = await conn.execute(_ATTEMPTS, {"ids": [x.id for x, _, _ in sent]})
    sent_by = {row.id: row.attempt for row in rows if row.status == SENT}
    finished = {x.id for x, _, _ in sent if sent_by.get(x.id) == x.attempt}
    posted: dict[str, list[dict]] = {}
    for x, message_id, now in sent:
        if x.id in finished and message_id is not None and x.subject in POSTED_ON:
            table, column_ = POSTED_ON[x.subject]
            row = {column_.key: message_id, "row": x.subject_id, "community": x.community_id}
            if table is occurrences:
                row |= {"status": OccurrenceStatus.POSTED.value, "posted_at": now}
            posted.setdefault(x.subject, []).append(row)
    for subject, rows_made in posted.items():
        await conn.execute(_POSTED_UPDATE[subject], rows_made)
    return finished


def _in_one_statement():
    """:func:`record_posts` on PostgreSQL, by data-modifying CTEs: one round trip, which
    holds alone (no BEGIN and COMMIT needed around it). The posts come as arrays, so that
    the statement is the same however many they are: built, compiled and prepared once."""
    made = (
        func.unnest(
            bindparam("ids", type_=ARRAY(Integer)),
            bindparam("attempts", type_=ARRAY(Integer)),
            bindparam("message_ids", type_=ARRAY(String)),
            bindparam("times", type_=ARRAY(DateTime(timezone=True))),
        )
        .table_valued(
            column("id", Integer),
            column("attempt", Integer),
            column("message_id", String),
            column("finished_at", DateTime(timezone=True)),
        )
        .render_derived(name="made")
    )
    finished = (
        update(deliveries)
        .where(
            d.id == made.c.id,
            d.attempt == made.c.attempt,
            or_(d.status == SENDING, d.status == SENT),  # no IN list to expand at each call
        )
        .values(
            status=SENT,
            message_id=made.c.message_id,
            finished_at=made.c.finished_at,
            lease_until=None,
        )
        .returning(
            d.id, d.community_id, d.subject, d.subject_id, made.c.message_id, made.c.finished_at
        )
        .cte("finished")
    )
    statement = select(finished.c.id)
    for subject, (table, column_) in POSTED_ON.items():
        remembered = {column_.key: finished.c.message_id}
        if table is occurrences:
            remembered |= {
                "status": OccurrenceStatus.POSTED.value,
                "posted_at": finished.c.finished_at,
            }
        statement = statement.add_cte(
            update(table)
            .where(
                table.c.id == finished.c.subject_id,
                table.c.community_id == finished.c.community_id,
                finished.c.subject == subject,
                finished.c.message_id.is_not(None),
            )
            .values(remembered)
            .cte(f"posted_on_{table.name}")
        )
    return statement


_IN_ONE_STATEMENT = _in_one_statement()


_ATTEMPTS = select(d.id, d.attempt, d.status).where(d.id.in_(bindparam("ids", expanding=True)))
_POSTED_UPDATE = {
    subject: update(table).where(
        table.c.id == bindparam("row"), table.c.community_id == bindparam("community")
    )
    for subject, (table, _) in POSTED_ON.items()
}

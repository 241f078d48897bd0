"""Posts made, recorded together (``finish_all``): against what each post's claim says should
happen, whatever the mix of posts held, taken over, already recorded or with no message."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.domain import CommunitySettings, DeliveryAction, QuestionStatus
from storage.tables import deliveries
from tests.conftest import START

LEASE = timedelta(minutes=5)
HELD, TAKEN_OVER, RECORDED_BEFORE = "held", "taken over", "recorded before"

a_post = st.tuples(
    st.sampled_from(["question", "resource"]),
    st.sampled_from([HELD, TAKEN_OVER, RECORDED_BEFORE]),
    st.booleans(),  # whether the platform gave its message id back
)


@given(posts=st.lists(a_post, min_size=1, max_size=12))
@example(posts=[("question", HELD, True), ("resource", TAKEN_OVER, True)])
@example(posts=[("question", RECORDED_BEFORE, True), ("resource", HELD, False)])
async def test_each_post_is_recorded_as_its_claim_says(db, posts):
    """Recorded: each post still held by its attempt, or already recorded by it (a unit of
    work written again after its commit's answer was lost); not a post taken over since. The
    message id goes on the delivery and on its question or resource."""
    community_id = f"c{uuid.uuid4().hex[:12]}"
    made = []
    async with db.transaction() as tx:
        await tx.communities.settings(CommunitySettings(community_id=community_id), START)
        for n, (subject, _, answered) in enumerate(posts):
            if subject == "question":
                subject_id = (
                    await tx.questions.add(
                        community_id, "C1", "alice", False, "Q?", "", (), QuestionStatus.OPEN, START
                    )
                ).id
            else:
                subject_id = (
                    await tx.resources.add(community_id, f"https://e.org/{n}", "alice", None, START)
                ).id
            queued = await tx.deliveries.add(
                community_id,
                f"{subject}:{subject_id}",
                DeliveryAction.POST,
                "C1",
                START,
                claimed_for=LEASE,
                channel_id="C1",
                subject=subject,
                subject_id=subject_id,
            )
            made.append((queued, f"m{n}" if answered else None))
    for (queued, message_id), (_, claim, _) in zip(made, posts, strict=True):
        if claim == RECORDED_BEFORE:
            async with db.transaction() as tx:
                assert await tx.deliveries.finish_all([(queued, message_id, START)]) == {queued.id}
    sent = [
        (replace(queued, attempt=0) if claim == TAKEN_OVER else queued, message_id, START)
        for (queued, message_id), (_, claim, _) in zip(made, posts, strict=True)
    ]
    async with db.transaction() as tx:
        recorded = await tx.deliveries.finish_all(sent)

    expected = {
        q.id for (q, _), (_, claim, _) in zip(made, posts, strict=True) if claim != TAKEN_OVER
    }
    assert recorded == expected
    async with db.transaction(reading=True) as tx:
        rows = await tx.conn.execute(
            select(deliveries.c.id, deliveries.c.status, deliveries.c.message_id).where(
                deliveries.c.community_id == community_id
            )
        )
        status = {row.id: (row.status, row.message_id) for row in rows}
        for (queued, message_id), (subject, claim, _) in zip(made, posts, strict=True):
            if claim == TAKEN_OVER:
                assert status[queued.id] == ("sending", None)
                shown = None
            else:
                assert status[queued.id] == ("sent", message_id)
                shown = message_id
            if subject == "question":
                question = await tx.questions.get(community_id, queued.subject_id)
                assert question.message_id == shown
            else:
                resource = await tx.resources.get(community_id, queued.subject_id)
                assert resource.post_message_id == shown

"""The overview's weekly figures, against the same figures computed by hand from the rows."""

from __future__ import annotations

import statistics
import uuid
from dataclasses import replace
from datetime import timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from bot.domain import CommunitySettings, QuestionStatus
from tests.conftest import START

WEEKS = [(START + timedelta(weeks=n), START + timedelta(weeks=n + 1)) for n in range(3)]
NOW = WEEKS[-1][1] + timedelta(days=2)

a_question = st.tuples(
    st.integers(-1, 3),  # its week (-1 and 3: before and after the period)
    st.integers(0, 7 * 86400 - 1),  # when in the week, in seconds
    st.one_of(st.none(), st.integers(0, 90 * 86400)),  # its first answer's delay, in seconds
    st.sampled_from(QuestionStatus),
)


@given(asked=st.lists(a_question, max_size=30))
@example(asked=[(0, 0, 7200, "answered"), (0, 60, 108000, "resolved"), (0, 120, None, "open")])
@example(asked=[(1, 0, 10, "open"), (1, 1, 30, "open"), (1, 2, 20, "open")])
@example(asked=[(2, 5, 40, "draft"), (2, 6, 30, "withdrawn"), (2, 7, 100, "closed")])
async def test_each_weeks_median_and_counts_are_those_of_its_questions(db, asked):
    """Drafts and withdrawn questions count for nothing; the median of an even number of
    delays is the mean of the middle two."""
    community_id = f"c{uuid.uuid4().hex[:12]}"
    async with db.transaction() as tx:
        await tx.communities.settings(CommunitySettings(community_id=community_id), START)
        for week, second, delay, status in asked:
            created = START + timedelta(weeks=week, seconds=second)
            question = await tx.questions.add(
                community_id, "help", "alice", False, "Q?", "", (), QuestionStatus(status), created
            )
            if delay is not None:
                answered_at = created + timedelta(seconds=delay)
                await tx.questions.update(replace(question, first_answer_at=answered_at))
    async with db.transaction(reading=True) as tx:
        weeks = await tx.reports.question_weeks(community_id, WEEKS, NOW)

    for n, figures in enumerate(weeks):
        counted = [
            (second, delay, QuestionStatus(status))
            for week, second, delay, status in asked
            if week == n and status not in ("draft", "withdrawn")
        ]
        delays = [delay for _, delay, _ in counted if delay is not None]
        assert figures.asked == len(counted)
        assert figures.answered == len(delays)
        assert figures.resolved == sum(status is QuestionStatus.RESOLVED for *_, status in counted)
        assert figures.answered_within_day == sum(delay <= 86400 for delay in delays)
        assert figures.median_first_answer == (statistics.median(delays) if delays else None)

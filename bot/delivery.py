"""How a scheduled post that failed goes on: tried again with backoff, or reported to organisers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core import Core
from bot.i18n import spans
from bot.ports import ChatError
from bot.replies import channel, private

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)


def retry_at(core: Core, attempts: int, now: datetime) -> datetime:
    """Exponential backoff from 30 s, never longer than a lease."""
    return now + min(core.claim_lease, FIRST_RETRY * 2 ** (attempts - 1))


def retry_since(core: Core, first_try: datetime, now: datetime) -> datetime:
    """Backoff without a counter: wait as long again as it has been failing (30 s to a lease)."""
    return now + min(core.claim_lease, max(FIRST_RETRY, now - first_try))


async def report_failure(
    core: Core, community_id: str, language: str, channel_id: str, error: ChatError
) -> None:
    """Tell the configured organisers that a scheduled post could not be made, and why."""
    notice = private(
        spans(
            language,
            "failure.scheduled_post",
            channel=channel(channel_id),
            reason=error.reason(language),
        )
    )
    for organiser in sorted(core.organisers):
        try:
            await core.chat.send_private(community_id, organiser, notice)
        except ChatError as failure:
            log.warning("could not tell organiser %s in %s: %s", organiser, community_id, failure)

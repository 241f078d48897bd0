"""Members' visits: recorded for thanks by name, private notices in their language and the
active members count; at most every ten minutes each, since every event would cost a write."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from bot.commands import Actor
from bot.ports import Transaction

SEEN_AGAIN_AFTER = timedelta(minutes=10)
REMEMBERED = 10_000


class Visits:
    def __init__(self) -> None:
        self._seen: OrderedDict[tuple[str, str], tuple[tuple, datetime]] = OrderedDict()

    async def record(self, tx: Transaction, actor: Actor, now: datetime) -> None:
        """Record the member's visit, unless this process did, with this name, locale and zone,
        lately."""
        key = (actor.community_id, actor.member_id)
        who = (actor.name, actor.locale, actor.timezone)
        seen = self._seen.get(key)
        if seen is not None and seen[0] == who and now - seen[1] < SEEN_AGAIN_AFTER:
            return
        await tx.communities.see_member(
            actor.community_id, actor.member_id, actor.name, now, actor.locale, actor.timezone
        )
        self._seen[key] = (who, now)
        self._seen.move_to_end(key)
        if len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)

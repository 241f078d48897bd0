"""Keeping events before they are acknowledged, many in one unit of work.

A platform is told "received" only once the event is stored (``Entraide.receive``).
Under load, one transaction per event would make every acknowledgement wait its
turn behind the others: events arriving together are kept together instead, in one
insert and one commit (on PostgreSQL, one insert that commits by itself), and each caller
learns whether its event was new.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.core import Core
from bot.ports import Transaction

BATCH_MAX = 500  # events kept in one unit of work, at most
# Under a stream of events, a unit of work per event (or two) would take most of the
# database's turns: one keep every KEEP_EVERY seconds at most, with everything that came
# meanwhile. An event after a quiet moment is kept at once.
KEEP_EVERY = 0.02


@dataclass
class _Arrival:
    platform: str
    community_id: str
    event_key: str
    payload: dict
    kept: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Receiver:
    def __init__(self, core: Core) -> None:
        self.core = core
        self._waiting: list[_Arrival] = []
        self._keeping: asyncio.Task | None = None
        self._last_batch = float("-inf")  # when the last batch was taken (the loop's clock)

    async def keep(self, platform: str, community_id: str, event_key: str, payload: dict) -> bool:
        """Store one event; False for a redelivery of one already kept. Raises what the
        database raised: the event is then not acknowledged, and the platform sends it again."""
        arrival = _Arrival(platform, community_id, event_key, payload)
        self._waiting.append(arrival)
        if self._keeping is None or self._keeping.done():
            self._keeping = asyncio.create_task(self._keep_waiting())
        return await arrival.kept

    async def _keep_waiting(self) -> None:
        """Keep what arrived, batch after batch, until nothing waits."""
        loop = asyncio.get_running_loop()
        while self._waiting:
            pause = self._last_batch + KEEP_EVERY - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            batch: list[_Arrival] = []
            try:
                # One insert of the whole batch, after the community's settings (created, if
                # new, by an insert that changes nothing when repeated): each holds alone.
                async with self.core.store.transaction(priority=True, each_statement=True) as tx:
                    # Taken once the turn is ours: what arrived while waiting for it (another
                    # unit of work was writing) joins this batch instead of the next one.
                    batch, self._waiting = self._waiting[:BATCH_MAX], self._waiting[BATCH_MAX:]
                    self._last_batch = loop.time()
                    new = await self._keep(tx, batch)
            except Exception as error:
                if not batch:  # the database failed before the turn: those waiting fail
                    batch, self._waiting = self._waiting[:BATCH_MAX], self._waiting[BATCH_MAX:]
                for arrival in batch:
                    if not arrival.kept.done():
                        arrival.kept.set_exception(error)
                continue
            for arrival in batch:  # the same event twice in one batch is new only once
                key = (arrival.community_id, arrival.event_key)
                if not arrival.kept.done():
                    arrival.kept.set_result(key in new)
                new.discard(key)

    async def _keep(self, tx: Transaction, batch: list[_Arrival]) -> set[tuple[str, str]]:
        now = self.core.clock.now()
        for community_id in {arrival.community_id for arrival in batch}:
            await self.core.settings(tx, community_id)  # a new community is created
        return await tx.events.receive(
            [(a.community_id, a.event_key, a.platform, a.payload) for a in batch], now
        )

"""The deliverer: sends queued deliveries, lane by lane, exactly once across instances.

A lane is one channel (or one member's direct messages) of one community: its
deliveries go out oldest first, paced to the platform's limits, while other lanes
go on beside it. For each delivery:

1. claim it: its ``attempt`` goes up by one (the fencing token) and it is leased;
   while the platform call is in flight the lease is renewed, so a slow call is
   never taken over while its instance is alive;
2. if an earlier attempt may have landed (its answer was lost, or its claimant
   vanished), ask the platform whether a post with its key exists before posting;
3. check the lease still holds (a process frozen past it must not post), then
   send, with the platform's idempotency key;
4. record the outcome, only if the token still holds.

A failure for now goes back to the queue with backoff; a refusal is final and
its subject decides who is told. On shutdown, claiming stops, sends under way
finish within the drain time, and the rest are given back for another instance.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import datetime, timedelta
from functools import partial

from bot.core import Core
from bot.delivery import Subject
from bot.delivery.pacing import Pacer
from bot.delivery.sending import Flight, Sender
from bot.domain import Delivery
from bot.errors import describe
from bot.replies import Message

log = logging.getLogger(__name__)

SLOTS = 32  # deliveries in flight at once, over every lane
# Deliveries claimed as they were queued and handed over, waiting here at most: beyond,
# they are queued unclaimed, and wait in the database for their lane's turn.
HANDED_MAX = 256


class Deliverer:
    def __init__(
        self,
        core: Core,
        subjects: Mapping[str, Subject],
        *,
        slots: int = SLOTS,
        pacer_for: Callable[[str], Pacer | None] = lambda _community_id: None,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        self.core = core
        self.subjects = subjects
        self._sender = Sender(core, subjects, pacer_for, sleep, lambda: self._claiming)
        self._slots = asyncio.Semaphore(slots)
        self._lanes: dict[tuple[str, str], asyncio.Task[int]] = {}
        # Handed over by the unit of work that queued and claimed them, per lane.
        self._handed: dict[tuple[str, str], deque[Flight]] = {}
        self._handed_count = 0
        # Lanes that had a post queued unclaimed for want of room: theirs wait in the
        # database, oldest first, until the lane is emptied there, so that none goes first.
        self._overflowed: set[tuple[str, str]] = set()
        self._busy_when_due: set[tuple[str, str]] = set()  # due lanes found already sending
        self._giving_back: set[asyncio.Task] = set()
        self._running = False
        self._claiming = True
        self._wake = asyncio.Event()
        core.delivery_wanted = self._wake.set
        core.takes_at_once = self.takes_at_once
        core.take = self.take

    @property
    def _lease(self) -> timedelta:
        return self.core.claim_lease

    # -- driving it ------------------------------------------------------------

    async def deliver_due(self) -> int:
        """Send everything due now and return once it is done (the console, the tests)."""
        sent = 0
        while self._claiming:
            lanes = await self._due_lanes()
            if not lanes:
                break
            sent += sum(await asyncio.gather(*(self._lane(*lane) for lane in lanes)))
        return sent

    async def run(self, poll_seconds: float) -> None:
        """Deliver until :meth:`drain`: woken by this process's commits, and every
        ``poll_seconds`` for what other instances queued or left behind. Meanwhile, posts
        queued in this process are claimed as they are queued and handed over (:meth:`take`)."""
        self._running = True
        try:
            while self._claiming:
                self._wake.clear()
                try:
                    due = await self._due_lanes()
                    # Overflowed, and nothing due there now nor sending here (another
                    # instance sent what waited): nothing older waits in that lane.
                    self._overflowed.intersection_update({*due, *self._lanes})
                    for lane in due:
                        if lane in self._lanes:
                            self._busy_when_due.add(lane)  # looked at again once it is done
                        elif self._claiming:
                            self._start(lane, claim=True)
                except Exception as error:  # the database is away: try again at the next wake
                    log.warning("deliveries not read: %s", describe(error))
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), poll_seconds)
        finally:
            self._running = False

    def takes_at_once(self, community_id: str, route: str) -> bool:
        """Whether a post queued now in this lane is best claimed in the unit of work that
        queues it, and handed over: while delivering, with room to hold it, and none of the
        lane's older posts waiting in the database."""
        if not (self._running and self._claiming):
            return False
        lane = (community_id, route)
        if lane not in self._overflowed and self._handed_count < HANDED_MAX:
            return True
        self._overflowed.add(lane)
        return False

    def take(
        self, delivery: Delivery, lease_until: datetime, rendered: Message | None = None
    ) -> None:
        """A delivery claimed as it was queued, now committed: sent in its lane, in turn (as
        ``rendered`` by its unit of work, if it was)."""
        flight = Flight(delivery, lease_until, rendered)
        if not self._claiming:  # shut down meanwhile: given back at once for another instance
            task = asyncio.create_task(self._sender.give_back([flight]))
            self._giving_back.add(task)
            task.add_done_callback(self._giving_back.discard)
            return
        lane = (delivery.community_id, delivery.route)
        self._handed.setdefault(lane, deque()).append(flight)
        self._handed_count += 1
        if lane not in self._lanes:
            self._start(lane, claim=False)

    def _start(self, lane: tuple[str, str], claim: bool) -> None:
        task = asyncio.create_task(self._lane(*lane, claim=claim), name=f"deliver {lane}")
        self._lanes[lane] = task
        task.add_done_callback(partial(self._lane_done, lane))

    def _lane_done(self, lane: tuple[str, str], task: asyncio.Task[int]) -> None:
        self._lanes.pop(lane, None)
        if not task.cancelled() and task.exception() is not None:
            log.warning("delivering in %s stopped: %s", lane[1], describe(task.exception()))
        failed = not task.cancelled() and task.exception() is not None
        if lane in self._handed and self._claiming:
            self._start(lane, claim=lane in self._busy_when_due)  # handed over as it ended
            self._busy_when_due.discard(lane)
        elif lane in self._busy_when_due or failed:
            self._busy_when_due.discard(lane)
            self._wake.set()  # found due while it was sending: more may wait in the database

    def stop_claiming(self) -> None:
        """Take no new delivery from now on (a shutdown began): the sends under way go on,
        and what is queued from now waits in the database for another instance."""
        self._claiming = False
        self._wake.set()

    async def drain(self, timeout: float) -> None:
        """Stop claiming; let the sends under way finish within ``timeout`` seconds; what
        is claimed but not yet sent is given back at once for another instance."""
        self.stop_claiming()
        lanes = list(self._lanes.values())
        if lanes:
            _, late = await asyncio.wait(lanes, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            if late:
                log.warning("%d deliveries were cut short at shutdown and given back", len(late))
        # Handed over, never started: another instance takes them at once (or, should the
        # database not answer within the drain time, once their lease has run out).
        waiting = [flight for lane in self._handed.values() for flight in lane]
        self._handed.clear()
        self._handed_count = 0
        giving_back = {asyncio.create_task(self._sender.give_back(waiting))} | self._giving_back
        if giving_back:
            _, late = await asyncio.wait(giving_back, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    @property
    def idle(self) -> bool:
        """Nothing handed over waits here, and no lane is sending."""
        return self._handed_count == 0 and not self._lanes

    async def backlog(self) -> int:
        """How many deliveries could be sent now and are not yet."""
        async with self.core.store.transaction(reading=True) as tx:
            return await tx.deliveries.backlog(self.core.clock.now())

    async def _due_lanes(self) -> list[tuple[str, str]]:
        # Only read: no writer's turn taken (each lane's claim is a unit of work of its own).
        async with self.core.store.transaction(reading=True) as tx:
            return await tx.deliveries.due_lanes(self.core.clock.now())

    # -- one lane, one delivery --------------------------------------------------

    async def _lane(self, community_id: str, route: str, claim: bool = True) -> int:
        """Send a lane's deliveries one after the other: those handed over first, then (when
        ``claim``: the lane was found due) those waiting in the database."""
        lane = (community_id, route)
        sent = 0
        while self._claiming:
            async with self._slots:
                if not self._claiming:
                    break
                flight = self._next_handed(lane)
                if flight is not None and not await self._still_held(flight):
                    continue  # taken over meanwhile: its new claimant sends it
                if flight is None:
                    if not claim:
                        break
                    now = self.core.clock.now()
                    async with self.core.store.transaction() as tx:
                        delivery = await tx.deliveries.claim_next(
                            community_id, route, now, self._lease
                        )
                    if delivery is None:
                        self._overflowed.discard(lane)  # nothing older waits there now
                        break
                    flight = Flight(delivery, now + self._lease)
                sent += await self._sender.send(flight)
        return sent

    async def _still_held(self, flight: Flight) -> bool:
        """A handed-over delivery's lease began when it was queued: one that waited here for
        more than a third of it (a busy lane, a short lease) is renewed before it is sent."""
        now = self.core.clock.now()
        if now < flight.lease_until - self._lease * 2 / 3:
            return True
        delivery = flight.delivery
        async with self.core.store.transaction() as tx:
            kept = await tx.deliveries.renew([(delivery.id, delivery.attempt)], now, self._lease)
        if delivery.id not in kept:
            return False
        flight.lease_until = now + self._lease
        return True

    def _next_handed(self, lane: tuple[str, str]) -> Flight | None:
        handed = self._handed.get(lane)
        if not handed:
            return None
        flight = handed.popleft()
        self._handed_count -= 1
        if not handed:
            del self._handed[lane]
        return flight

"""Gateway events handled by a bounded number of workers, in arrival order within a lane.

A gateway cannot be told to wait: Discord sends a reaction storm as fast as it
happens, and a client that stops reading stops heartbeating and is disconnected.
One task per event made every event of a storm wait for a database connection at
once, and most gave up (pool time-outs) and were lost. Here an event joins its
lane (the channel it happened in) and at most ``workers`` events are handled at a
time, so the database sees a bounded number of units of work and nothing times
out waiting for one. Nothing is ever dropped: the queue is unbounded, and its
length is the backlog ``/metrics`` shows (``entraide_event_backlog``) and the log
warns about as it grows.

One lane is one channel (a question's thread, a help channel): an answer is
recorded before the reactions that follow it in its thread, and a member's add
then remove on a message stay in that order. Lanes take turns, one event each,
so a storm in one thread does not hold back the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine, Hashable
from typing import Any

log = logging.getLogger(__name__)

WARN_FROM = 1_000  # a backlog this long is logged, then again at each power of ten


class Lanes:
    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("at least one worker")
        self.workers = workers
        self._lanes: dict[Hashable, deque[Coroutine[Any, Any, None]]] = {}
        self._ready: deque[Hashable] = deque()  # lanes with work waiting and no worker on them
        self._running: set[asyncio.Task[None]] = set()
        self._backlog = 0
        self._warned = 0

    @property
    def backlog(self) -> int:
        """Events taken and not yet handled (waiting, or being handled)."""
        return self._backlog

    def add(self, lane: Hashable, work: Coroutine[Any, Any, None]) -> None:
        """Handle ``work`` after everything already in ``lane``, when a worker is free."""
        queue = self._lanes.get(lane)
        if queue is None:
            self._lanes[lane] = deque((work,))
            self._ready.append(lane)
        else:
            queue.append(work)  # the lane is waiting, or being worked on: it comes back
        self._backlog += 1
        if self._backlog >= max(WARN_FROM, self._warned * 10):
            self._warned = self._backlog
            log.warning("discord: %d events waiting to be handled", self._backlog)
        if len(self._running) < self.workers:
            task = asyncio.get_running_loop().create_task(self._work(), name="discord-lane")
            self._running.add(task)

    async def drain(self) -> None:
        """Return once every event added so far has been handled."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def _work(self) -> None:
        try:
            while self._ready:
                lane = self._ready.popleft()
                queue = self._lanes[lane]
                work = queue.popleft()
                try:
                    await work
                except Exception:
                    log.exception("handling a Discord event failed")
                finally:  # cancelled too: the rest of the lane is not stranded
                    self._backlog -= 1
                    if queue:
                        self._ready.append(lane)
                    else:
                        del self._lanes[lane]
                    if not self._backlog:
                        self._warned = 0
        finally:
            # Here, not in a done callback: an event added from now on starts a worker.
            self._running.discard(asyncio.current_task())  # type: ignore[arg-type]

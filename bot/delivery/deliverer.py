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
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import partial

from bot.core import Core
from bot.delivery import Subject, platform_key, retry_at
from bot.delivery.pacing import Pacer
from bot.domain import Delivery, DeliveryAction, DeliveryStatus
from bot.ports import ChatError, ChatUnavailable, Transaction
from bot.replies import Message, from_json

log = logging.getLogger(__name__)

SLOTS = 16  # deliveries in flight at once, over every lane
PACED_TRIES = 5  # calls of one delivery the platform answers 429, before it waits in the queue
GIVE_UP_AFTER = 5  # unexpected errors (not the platform's) before a delivery is dropped
_CREATES = (DeliveryAction.POST, DeliveryAction.PRIVATE)


class _Outcome(Enum):
    CANCEL = "cancel"  # nothing to send any more
    LATER = "later"  # not yet: an edit whose card is still on its way


@dataclass
class _Flight:
    """A claimed delivery, and how long its claim is known to hold."""

    delivery: Delivery
    lease_until: datetime
    lost: bool = False

    def holds(self, now: datetime, margin: timedelta) -> bool:
        return not self.lost and now < self.lease_until - margin


def describe(error: BaseException) -> str:
    """One line for a log: the kind of error and what it says, never a traceback."""
    text = str(error).splitlines()[0][:200] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


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
        self.pacer_for = pacer_for
        self._sleep = sleep
        self._slots = asyncio.Semaphore(slots)
        self._lanes: dict[tuple[str, str], asyncio.Task[int]] = {}
        self._claiming = True
        self._wake = asyncio.Event()
        core.delivery_wanted = self._wake.set

    @property
    def _lease(self) -> timedelta:
        return self.core.claim_lease

    @property
    def _margin(self) -> timedelta:
        """Stop short of the lease's end: the call itself takes a moment to reach the platform."""
        return min(self._lease / 10, timedelta(seconds=5))

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
        ``poll_seconds`` for what other instances queued or left behind."""
        while self._claiming:
            self._wake.clear()
            try:
                for lane in await self._due_lanes():
                    if lane not in self._lanes and self._claiming:
                        task = asyncio.create_task(self._lane(*lane), name=f"deliver {lane}")
                        self._lanes[lane] = task
                        task.add_done_callback(partial(self._lane_done, lane))
            except Exception as error:  # the database is away: try again at the next wake
                log.warning("deliveries not read: %s", describe(error))
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll_seconds)

    def _lane_done(self, lane: tuple[str, str], task: asyncio.Task[int]) -> None:
        self._lanes.pop(lane, None)
        if not task.cancelled() and task.exception() is not None:
            log.warning("delivering in %s stopped: %s", lane[1], describe(task.exception()))
        self._wake.set()  # more may have come meanwhile

    async def drain(self, timeout: float) -> None:
        """Stop claiming; let the sends under way finish within ``timeout`` seconds; what
        is claimed but not yet sent is given back at once for another instance."""
        self._claiming = False
        self._wake.set()
        lanes = list(self._lanes.values())
        if not lanes:
            return
        _, late = await asyncio.wait(lanes, timeout=timeout)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        if late:
            log.warning("%d deliveries were cut short at shutdown and given back", len(late))

    async def backlog(self) -> int:
        """How many deliveries could be sent now and are not yet."""
        async with self.core.store.transaction() as tx:
            return await tx.deliveries.backlog(self.core.clock.now())

    async def _due_lanes(self) -> list[tuple[str, str]]:
        async with self.core.store.transaction() as tx:
            return await tx.deliveries.due_lanes(self.core.clock.now())

    # -- one lane, one delivery --------------------------------------------------

    async def _lane(self, community_id: str, route: str) -> int:
        sent = 0
        while self._claiming:
            async with self._slots:
                if not self._claiming:
                    break
                now = self.core.clock.now()
                async with self.core.store.transaction() as tx:
                    delivery = await tx.deliveries.claim_next(community_id, route, now, self._lease)
                if delivery is None:
                    break
                sent += await self._send(_Flight(delivery, now + self._lease))
        return sent

    async def _send(self, flight: _Flight) -> int:
        delivery = flight.delivery
        keeper = asyncio.create_task(self._keep_lease(flight))
        try:
            return await self._attempt(flight)
        except asyncio.CancelledError:
            # Cut short at shutdown: the call may have gone through, so look before sending again.
            await self._record(
                lambda tx: tx.deliveries.reschedule(
                    delivery,
                    self.core.clock.now(),
                    uncertain=delivery.uncertain or delivery.action in _CREATES,
                )
            )
            raise
        except Exception as error:
            # Not the platform's doing (a bug, the database): tried again, but not forever.
            log.exception("delivery %s (%s) failed", delivery.id, delivery.key)
            await self._unexpected(delivery, error)
            return 0
        finally:
            keeper.cancel()

    async def _attempt(self, flight: _Flight) -> int:
        delivery = flight.delivery
        subject = self.subjects.get(delivery.subject or "")
        try:
            async with self.core.store.transaction() as tx:
                prepared = await self._prepare(tx, delivery, subject)
            if prepared is _Outcome.CANCEL:
                await self._record(
                    lambda tx: tx.deliveries.give_up(
                        delivery, DeliveryStatus.CANCELLED, "nothing to send", self.core.clock.now()
                    )
                )
                return 0
            if prepared is _Outcome.LATER:
                # The card this edit is about is still on its way: the edit follows it.
                await self._record(
                    lambda tx: tx.deliveries.reschedule(
                        delivery, retry_at(0, self._lease, self.core.clock.now()), uncertain=False
                    )
                )
                return 0
            message, target = prepared
            if delivery.uncertain and delivery.action in _CREATES:
                found = await self._find(delivery, message)
                if found is not None:
                    log.info("delivery %s had landed already, as %s", delivery.key, found)
                    return await self._finish(flight, found, subject)
            sent = await self._call_paced(flight, message, target)
            if sent is _Outcome.CANCEL:
                return 0
            return await self._finish(flight, sent, subject)
        except ChatUnavailable as error:
            # A 429 was not applied; anything else may have been: look before posting again.
            uncertain = delivery.uncertain or (
                delivery.action in _CREATES and error.retry_after is None
            )
            await self._retry_later(delivery, error, uncertain, subject, error.retry_after)
            return 0
        except ChatError as error:
            await self._refused(delivery, subject, error)
            return 0

    async def _refused(self, delivery: Delivery, subject: Subject | None, error: ChatError) -> None:
        log.warning(
            "delivery %s in %s refused for good: %s", delivery.key, delivery.community_id, error
        )

        async def record(tx: Transaction) -> None:
            now = self.core.clock.now()
            if await tx.deliveries.give_up(delivery, DeliveryStatus.FAILED, str(error), now):
                if subject is not None and subject.refused is not None:
                    await subject.refused(self.core, tx, delivery, error)

        await self._record(record)

    async def _unexpected(self, delivery: Delivery, error: Exception) -> None:
        if delivery.failures + 1 < GIVE_UP_AFTER:
            await self._retry_later(delivery, error, uncertain=delivery.uncertain)
            return
        await self._record(
            lambda tx: tx.deliveries.give_up(
                delivery, DeliveryStatus.FAILED, describe(error), self.core.clock.now()
            )
        )

    async def _prepare(
        self, tx: Transaction, delivery: Delivery, subject: Subject | None
    ) -> tuple[Message | None, str | None] | _Outcome:
        """The message to send and the message it is about (edits, reactions)."""
        if delivery.action is DeliveryAction.REACT:
            return None, delivery.target_id
        if delivery.body is not None:
            message = from_json(delivery.body)
        elif subject is not None and subject.render is not None:
            message = await subject.render(self.core, tx, delivery)
            if message is None:
                return _Outcome.CANCEL
        else:
            return _Outcome.CANCEL
        if delivery.action is not DeliveryAction.EDIT:
            return message, None
        if delivery.target_id is not None:
            return message, delivery.target_id
        posted = await tx.deliveries.posted(
            delivery.community_id, delivery.subject or "", delivery.subject_id or 0
        )
        if posted is not None and posted[1] is not None:
            return message, posted[1]
        if posted is not None and posted[0] in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
            return _Outcome.LATER
        return _Outcome.CANCEL  # the card was never posted: nothing to edit

    async def _call_paced(
        self, flight: _Flight, message: Message | None, target: str | None
    ) -> str | None | _Outcome:
        delivery = flight.delivery
        pacer = self.pacer_for(delivery.community_id)
        for attempt in range(1, PACED_TRIES + 1):
            if pacer is not None:
                await pacer.wait(delivery.route)
            if not self._claiming:
                # Shutting down before it started: another instance takes it at once.
                await self._record(
                    lambda tx: tx.deliveries.reschedule(
                        delivery, self.core.clock.now(), uncertain=delivery.uncertain
                    )
                )
                return _Outcome.CANCEL
            if not flight.holds(self.core.clock.now(), self._margin):
                # Paused past the lease (a frozen process, a long GC): another instance may
                # have it by now, and posting too would make a second post.
                log.warning(
                    "delivery %s not sent: its claim ran out before the call (attempt %d)",
                    delivery.key,
                    delivery.attempt,
                )
                return _Outcome.CANCEL
            try:
                return await self._call(delivery, message, target)
            except ChatUnavailable as error:
                if pacer is None or error.retry_after is None or attempt == PACED_TRIES:
                    raise
                pacer.pause(error.retry_after)  # the platform applied nothing: wait, then retry
        raise AssertionError("unreachable")

    async def _call(
        self, delivery: Delivery, message: Message | None, target: str | None
    ) -> str | None:
        chat, community = self.core.chat, delivery.community_id
        match delivery.action:
            case DeliveryAction.POST:
                return await chat.post(
                    community,
                    delivery.channel_id or "",
                    message,
                    delivery.thread_id,
                    key=platform_key(delivery),
                )
            case DeliveryAction.PRIVATE:
                return await chat.send_private(
                    community, delivery.member_id or "", message, key=platform_key(delivery)
                )
            case DeliveryAction.EDIT:
                await chat.edit(community, delivery.channel_id or "", target or "", message)
                return target
            case DeliveryAction.REACT:
                emoji = (delivery.body or {}).get("emoji", "")
                await chat.add_reaction(community, delivery.channel_id or "", target or "", emoji)
                return None
        raise ValueError(f"unknown delivery action {delivery.action!r}")

    async def _find(self, delivery: Delivery, message: Message | None) -> str | None:
        """Whether an earlier attempt landed; a platform that cannot be reached to tell
        raises ChatUnavailable, and the delivery waits rather than risk a second post."""
        return await self.core.chat.find_post(
            delivery.community_id,
            delivery.channel_id,
            platform_key(delivery),
            delivery.created_at,
            thread_id=delivery.thread_id,
            member_id=delivery.member_id,
            message=message,
        )

    async def _finish(
        self, flight: _Flight, message_id: str | None, subject: Subject | None
    ) -> int:
        delivery = flight.delivery

        async def record(tx: Transaction) -> None:
            if not await tx.deliveries.finish(delivery, message_id, self.core.clock.now()):
                log.warning(
                    "delivery %s was taken over while it was sent: its new claimant records it",
                    delivery.key,
                )
                return
            if subject is not None and subject.sent is not None:
                await subject.sent(self.core, tx, delivery, message_id)

        await self._record(record)
        return 1

    async def _retry_later(
        self,
        delivery: Delivery,
        error: BaseException,
        uncertain: bool,
        subject: Subject | None = None,
        retry_after: float | None = None,
    ) -> None:
        now = self.core.clock.now()
        due = (
            now + timedelta(seconds=retry_after)
            if retry_after is not None
            else retry_at(delivery.failures, self._lease, now)
        )
        log.warning(
            "delivery %s in %s failed for now (%s); next try at %s",
            delivery.key,
            delivery.community_id,
            describe(error),
            due.isoformat(timespec="seconds"),
        )

        async def record(tx: Transaction) -> None:
            if await tx.deliveries.reschedule(
                delivery, due, uncertain=uncertain, error=describe(error)
            ):
                first = delivery.failures == 0
                if first and subject is not None and subject.delayed is not None:
                    await subject.delayed(self.core, tx, delivery)

        await self._record(record)

    async def _record(self, change) -> None:
        async with self.core.store.transaction() as tx:
            await change(tx)

    async def _keep_lease(self, flight: _Flight) -> None:
        """Renew the claim while the delivery is in flight, so that it is not taken over."""
        period = self._lease.total_seconds() / 3
        delivery = flight.delivery
        while True:
            await self._sleep(period)
            now = self.core.clock.now()
            try:
                async with self.core.store.transaction() as tx:
                    kept = await tx.deliveries.renew(
                        [(delivery.id, delivery.attempt)], now, self._lease
                    )
            except Exception as error:
                log.warning("lease of delivery %s not renewed: %s", delivery.key, describe(error))
                continue
            if delivery.id not in kept:
                flight.lost = True
                return
            flight.lease_until = now + self._lease

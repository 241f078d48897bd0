"""One claimed delivery, sent: fenced by its attempt number, its lease kept while the platform
call is in flight, looked for before posting again, and its outcome recorded only while
its claim holds."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.core import Core
from bot.delivery import Subject, platform_key, retry_at
from bot.delivery.pacing import Pacer
from bot.delivery.recording import Recorder
from bot.domain import Delivery, DeliveryAction, DeliveryStatus
from bot.errors import describe
from bot.ports import ChatError, ChatUnavailable, Transaction
from bot.replies import Message, from_json

log = logging.getLogger(__name__)

PACED_TRIES = 5  # calls of one delivery the platform answers 429, before it waits in the queue
GIVE_UP_AFTER = 5  # unexpected errors (not the platform's) before a delivery is dropped
_CREATES = (DeliveryAction.POST, DeliveryAction.PRIVATE)


class _Outcome(Enum):
    CANCEL = "cancel"  # nothing to send any more
    LATER = "later"  # not yet: an edit whose card is still on its way


@dataclass
class Flight:
    """A claimed delivery, and how long its claim is known to hold."""

    delivery: Delivery
    lease_until: datetime
    rendered: Message | None = None  # by the unit of work that queued it (bot.delivery.post)
    lost: bool = False

    def holds(self, now: datetime, margin: timedelta) -> bool:
        return not self.lost and now < self.lease_until - margin


class Sender:
    def __init__(
        self,
        core: Core,
        subjects: Mapping[str, Subject],
        pacer_for: Callable[[str], Pacer | None],
        sleep: Callable[[float], object],
        claiming: Callable[[], bool],
    ) -> None:
        self.core = core
        self.subjects = subjects
        self.pacer_for = pacer_for
        self._sleep = sleep
        self._claiming = claiming
        self._recorder = Recorder(core.store)  # outcomes that come together, written together

    @property
    def _lease(self) -> timedelta:
        return self.core.claim_lease

    @property
    def _margin(self) -> timedelta:
        """Stop short of the lease's end: the call itself takes a moment to reach the platform."""
        return min(self._lease / 10, timedelta(seconds=5))

    async def send(self, flight: Flight) -> int:
        delivery = flight.delivery
        keeper = asyncio.create_task(self._keep_lease(flight))
        try:
            return await self._attempt(flight)
        except asyncio.CancelledError:
            keeper.cancel()  # the claim is given up: its renewals would only wait for connections
            # Cut short at shutdown: the call may have gone through, so look before sending again.
            # Written at once, in a unit of work of its own: not after outcomes waiting to be
            # written together, which a database that stopped answering would hold.
            async with self.core.store.transaction() as tx:
                await tx.deliveries.reschedule(
                    delivery,
                    self.core.clock.now(),
                    uncertain=delivery.uncertain or delivery.action in _CREATES,
                )
            raise
        except Exception as error:
            # Not the platform's doing (a bug, the database): tried again, but not forever.
            # One line each, not a traceback per delivery for the length of an outage.
            log.debug("delivery %s failed", delivery.key, exc_info=True)
            await self._unexpected(delivery, error)
            return 0
        finally:
            keeper.cancel()

    async def give_back(self, flights: list[Flight]) -> None:
        """Claimed deliveries never tried: back in the queue, due now, for any instance; in
        one unit of work of their own (at shutdown, nothing else is waited for)."""
        if not flights:
            return
        try:
            async with self.core.store.transaction() as tx:
                for flight in flights:
                    delivery = flight.delivery
                    await tx.deliveries.reschedule(
                        delivery, self.core.clock.now(), uncertain=delivery.uncertain
                    )
        except Exception as error:  # their leases run out, and another instance takes them over
            log.warning("%d deliveries not given back: %s", len(flights), describe(error))

    async def _attempt(self, flight: Flight) -> int:
        delivery = flight.delivery
        subject = self.subjects.get(delivery.subject or "")
        try:
            if flight.rendered is not None:
                prepared = flight.rendered, None
            else:
                # Rendering only reads: it need not wait for the units of work that write.
                async with self.core.store.transaction(reading=True) as tx:
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
        log.warning("delivery %s given up: %s", delivery.key, describe(error))
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
        self, flight: Flight, message: Message | None, target: str | None
    ) -> str | None | _Outcome:
        delivery = flight.delivery
        pacer = self.pacer_for(delivery.community_id)
        for attempt in range(1, PACED_TRIES + 1):
            if pacer is not None:
                await pacer.wait(delivery.route, writes_to_lane=delivery.action in _CREATES)
            if not self._claiming():
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

    async def _finish(self, flight: Flight, message_id: str | None, subject: Subject | None) -> int:
        delivery = flight.delivery

        after = None
        if delivery.failures and subject is not None and subject.sent_late is not None:
            sent_late = subject.sent_late

            async def after(tx: Transaction) -> None:
                await sent_late(self.core, tx, delivery, message_id)

        now = self.core.clock.now()
        if await self._recorder.sent(delivery, message_id, now, after):
            self.core.post_recorded()
        else:
            log.warning(
                "delivery %s was taken over while it was sent: its new claimant records it",
                delivery.key,
            )
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
        await self._recorder.record(change)

    async def _keep_lease(self, flight: Flight) -> None:
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

"""The one delivery path: what the core tells a platform is queued here first.

A use case never calls the platform: it queues a delivery in its own unit of
work (:func:`post`, :func:`private`, :func:`edit_card`, :func:`react`), so that
the effect and what must be said about it commit together, or not at all. The
:class:`~bot.delivery.deliverer.Deliverer` then sends each one exactly once:
claimed with a lease and a fencing token, sent with the platform's idempotency
key, paced to the platform's limits, retried with backoff, and given back at shutdown.

A delivery with a ``subject`` is rendered when it is sent (a question card shows
its state at that moment); the others carry their message. A new subject's post may come
``rendered`` by the unit of work that queues it: handed over to this process's deliverer,
it is sent as is (every later change of the subject queues an edit, which follows it).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import replies
from bot.core import Core
from bot.domain import Delivery, DeliveryAction
from bot.i18n import spans
from bot.ports import ChatError, Transaction
from bot.replies import Message, channel, to_json

log = logging.getLogger(__name__)

# What a delivery may show, rendered when it is sent.
QUESTION, RESOURCE, OCCURRENCE = "question", "resource", "occurrence"
ROUNDUP, ROUTING, NUDGE = "roundup", "routing", "nudge"

FIRST_RETRY = timedelta(seconds=30)


@dataclass(frozen=True)
class Subject:
    """How deliveries about one kind of thing are rendered and what follows their outcome.

    ``render`` returns None when there is nothing to send any more (the thing is gone,
    or it is too late); it only reads, in a reading unit of work. The hooks run in the
    unit of work that records the outcome. ``sent_late`` runs only for a post made after
    failing before (the one who was told it was delayed is told it came): most posts are
    recorded with no hook, in one statement.
    """

    render: Callable[[Core, Transaction, Delivery], Awaitable[Message | None]] | None = None
    sent_late: Callable[[Core, Transaction, Delivery, str | None], Awaitable[None]] | None = None
    delayed: Callable[[Core, Transaction, Delivery], Awaitable[None]] | None = None
    refused: Callable[[Core, Transaction, Delivery, ChatError], Awaitable[None]] | None = None


def platform_key(delivery: Delivery) -> str:
    """The idempotency key the platform is given: the same on every attempt and every
    instance, and short enough for Discord's nonce (25 characters)."""
    seed = f"{delivery.community_id}\x00{delivery.key}".encode()
    return hashlib.blake2b(seed, digest_size=12).hexdigest()


def retry_at(failures: int, lease: timedelta, now: datetime) -> datetime:
    """Exponential backoff from 30 s, never longer than a lease."""
    return now + min(lease, FIRST_RETRY * 2 ** max(0, failures))


def _queued(core: Core, tx: Transaction) -> None:
    """Wake the deliverer once the unit of work has committed."""

    async def wake() -> None:
        core.delivery_wanted()

    tx.after_commit(wake)


async def post(
    core: Core,
    tx: Transaction,
    community_id: str,
    channel_id: str,
    key: str,
    *,
    message: Message | None = None,
    subject: str | None = None,
    subject_id: int | None = None,
    thread_id: str | None = None,
    rendered: Message | None = None,
) -> bool:
    """Queue a public post (``message``, or the ``subject`` rendered when sent, or as
    ``rendered`` now when this process sends it at once); False if a delivery with this key
    exists already."""
    return await _create(
        core,
        tx,
        community_id,
        key,
        DeliveryAction.POST,
        channel_id,
        rendered,
        channel_id=channel_id,
        thread_id=thread_id,
        subject=subject,
        subject_id=subject_id,
        body=to_json(message) if message is not None else None,
    )


async def private(
    core: Core,
    tx: Transaction,
    community_id: str,
    member_id: str,
    key: str,
    message: Message | None = None,
    *,
    subject: str | None = None,
    subject_id: int | None = None,
) -> bool:
    """Queue a direct message to one member (``message``, or the ``subject`` rendered when
    sent); False if this key was queued already."""
    return await _create(
        core,
        tx,
        community_id,
        key,
        DeliveryAction.PRIVATE,
        f"@{member_id}",
        None,
        member_id=member_id,
        subject=subject,
        subject_id=subject_id,
        body=to_json(message) if message is not None else None,
    )


async def _create(
    core: Core,
    tx: Transaction,
    community_id: str,
    key: str,
    action: DeliveryAction,
    route: str,
    rendered: Message | None,
    **fields,
) -> bool:
    """Queue a post or a private message. When this process's deliverer has room, the
    delivery is claimed as it is queued, and handed to the deliverer once the unit of work
    commits: it goes out without a claim of its own (a unit of work fewer). Should this
    process die first, its lease runs out and another instance takes it over, as any
    claim whose holder vanished."""
    now = core.clock.now()
    lease = core.claim_lease if core.takes_at_once(community_id, route) else None
    queued = await tx.deliveries.add(
        community_id, key, action, route, now, claimed_for=lease, **fields
    )
    if queued is None:
        return False
    if lease is None:
        _queued(core, tx)
        return True

    async def hand_over() -> None:
        core.take(queued, now + lease, rendered)

    tx.after_commit(hand_over)
    return True


async def edit_card(
    core: Core,
    tx: Transaction,
    community_id: str,
    channel_id: str,
    subject: str,
    subject_id: int,
    message_id: str | None,
) -> None:
    """Show a subject's card (posted as ``message_id``, or still on its way) again as it
    is now. An edit already waiting will show the latest state when it is sent, so none
    is added beside it."""
    if await tx.deliveries.edit_waiting(community_id, subject, subject_id):
        return
    now = core.clock.now()
    await tx.deliveries.add(
        community_id,
        f"edit:{subject}:{subject_id}:{uuid.uuid4().hex}",
        DeliveryAction.EDIT,
        channel_id,
        now,
        channel_id=channel_id,
        target_id=message_id,
        subject=subject,
        subject_id=subject_id,
    )
    _queued(core, tx)


async def refresh_posts(
    core: Core, tx: Transaction, community_id: str, subject: str, subject_ids: Sequence[int]
) -> None:
    """Show these subjects' posts (made, or on their way) again as the subjects are now."""
    for subject_id, channel_id, message_id in await tx.deliveries.posts_of(
        community_id, subject, subject_ids
    ):
        await edit_card(core, tx, community_id, channel_id, subject, subject_id, message_id)


async def react(
    core: Core,
    tx: Transaction,
    community_id: str,
    channel_id: str,
    message_id: str,
    emoji: str,
    key: str,
) -> None:
    """Queue the bot's own reaction on a message (reacting twice is harmless)."""
    if await tx.deliveries.add(
        community_id,
        key,
        DeliveryAction.REACT,
        channel_id,
        core.clock.now(),
        channel_id=channel_id,
        target_id=message_id,
        body={"emoji": emoji},
    ):
        _queued(core, tx)


async def report_failure(core: Core, tx: Transaction, failed: Delivery, error: ChatError) -> None:
    """Tell the configured organisers, each in their language, that a scheduled post could
    not be made, and why."""
    settings = await core.settings(tx, failed.community_id)
    for organiser in sorted(core.organisers):
        language = await core.member_language(tx, settings, organiser)
        notice = replies.private(
            spans(
                language,
                "failure.scheduled_post",
                channel=channel(failed.channel_id or ""),
                reason=error.reason(language),
            )
        )
        await private(
            core, tx, failed.community_id, organiser, f"failure:{failed.id}:{organiser}", notice
        )

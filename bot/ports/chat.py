"""How the core reaches a platform: the :class:`Chat` each adapter implements, its errors,
and the :class:`Adapter` that ``entraide run`` starts and stops.

Message ids are opaque strings that are unique within a community (the Slack adapter,
whose ``ts`` is only unique per channel, makes them so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.commands import Command, ReactionsCleared
from bot.domain import ReactionTarget
from bot.i18n import t
from bot.replies import Message


@dataclass(frozen=True)
class FetchedMessage:
    message_id: str
    channel_id: str
    author_id: str
    text: str


class ChatError(Exception):
    """A post failed for good (unknown channel, no access): reported, never retried.

    Adapters raise :meth:`refusal` with a ``refusal.*`` message key, so that the
    member or organiser reads the reason in their language; ``str()`` is English, for logs.
    """

    def __init__(self, reason: str, key: str | None = None, **values: object) -> None:
        super().__init__(reason)
        self.key = key
        self.values = values

    @classmethod
    def refusal(cls, name: str, **values: object) -> ChatError:
        return cls(t("en", f"refusal.{name}", **values), f"refusal.{name}", **values)

    def reason(self, language: str) -> str:
        return t(language, self.key, **self.values) if self.key else str(self)


class ChatUnavailable(ChatError):
    """The platform could not be reached or kept failing (5xx, 429, time-outs) after the
    adapter's own retries: a scheduled post is tried again later, not dropped."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after  # seconds, when the platform said (HTTP 429 Retry-After)


class Chat(Protocol):
    """How the core's deliveries reach a platform (``bot.delivery`` is its only caller).

    ``key`` identifies one post across every attempt and every instance: adapters MUST
    hand it to the platform so that a post that went through is recognised (Discord's
    nonce, Slack's message metadata), and :meth:`find_post` looks for it.
    """

    async def post(
        self,
        community_id: str,
        channel_id: str,
        message: Message,
        thread_id: str | None = None,
        *,
        key: str | None = None,
    ) -> str:
        """Post publicly in a channel, or in the thread of ``thread_id``; return the new id.

        Adapters MUST open the thread if the platform needs one (Discord).
        """

    async def find_post(
        self,
        community_id: str,
        channel_id: str | None,
        key: str,
        since: datetime,
        thread_id: str | None = None,
        member_id: str | None = None,
        message: Message | None = None,
    ) -> str | None:
        """The id of the bot's post made with ``key`` since ``since``, if it landed.

        Asked before posting again after an attempt whose outcome is unknown (a lost
        answer, a claimant that vanished). ``member_id`` names a direct message's recipient;
        ``message`` is the post as it was to be made, for a platform that keeps no key and
        can only recognise it by its content. Adapters look in a bounded window of recent
        messages; they raise ChatUnavailable when the platform cannot be read now, and
        return None when it cannot tell.
        """

    async def edit(
        self, community_id: str, channel_id: str, message_id: str, message: Message
    ) -> None:
        """Replace a message the bot posted."""

    async def add_reaction(
        self, community_id: str, channel_id: str, message_id: str, emoji: str
    ) -> None:
        """React as the bot, e.g. to mark an accepted answer."""

    async def send_private(
        self, community_id: str, member_id: str, message: Message, *, key: str | None = None
    ) -> str | None:
        """Tell one member privately (direct message); the new message's id when known."""

    async def fetch_message(
        self, community_id: str, channel_id: str, message_id: str
    ) -> FetchedMessage | None:
        """Read a message (author and text), or None when it is gone or unreadable."""


class Handler(Protocol):
    """The core's entry point, as adapters call it (``bot.service.Entraide`` implements it)."""

    async def handle(self, command: Command | ReactionsCleared) -> Message | None:
        """Do what the command asks; return the reply for the member who acted, if any."""

    async def receive(
        self, platform: str, community_id: str, event_key: str, payload: dict
    ) -> bool:
        """Keep an event as the platform sent it, before acknowledging it; False for a
        redelivery. Raises when it cannot be kept: the event must not be acknowledged."""

    async def handled(self, community_id: str, event_key: str) -> None:
        """A received event that asked nothing of the core is done (never replayed)."""

    async def reactions_to_reconcile(
        self, community_id: str, limit: int = 200
    ) -> list[ReactionTarget]:
        """The messages whose reactions count, for an adapter that was offline to read back."""


class Adapter(Protocol):
    """A platform connection, started and stopped by ``entraide run``.

    It turns the platform's events into commands for ``Entraide.handle`` and
    implements :class:`Chat` for the core's own posts. Its community ids are
    ``"<platform>:<workspace or server id>"`` (``slack:T0123``, ``discord:8123…``),
    which is how the runtime routes a post to the right adapter. An adapter MAY
    have a ``rate_limits`` attribute (``bot.delivery.pacing.RateLimits``): the
    runtime then paces the core's posts to it; and a ``backlog`` property (events
    received, not yet handled), which ``/metrics`` shows as ``entraide_event_backlog``.
    """

    platform: str
    chat: Chat

    async def start(self) -> None:
        """Connect and begin delivering events; return once connected."""

    async def stop(self) -> None:
        """Stop taking events, let in-flight work finish, disconnect.

        An adapter that keeps events before acknowledging them (``Entraide.receive``) MAY
        have a ``replay(payload)`` method: the runtime calls it for events kept and never
        handled, whatever instance received them.
        """

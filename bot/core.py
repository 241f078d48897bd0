"""What every use case works with: the store, the chat, the clock, the prompts and the rules.

Built once by the composition root (:mod:`bot.runtime.bootstrap`); no globals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.commands import Actor
from bot.domain import CommunitySettings, Delivery
from bot.i18n import language_for
from bot.localtime import QuietHours
from bot.ports import Chat, Store, Transaction
from bot.prompts import PromptLibrary
from bot.replies import Message

if TYPE_CHECKING:
    from bot.web.site import WebConfig

# How long this process trusts settings it read; a change made on another instance
# shows here after at most this long (changes made here show at once).
SETTINGS_TTL = timedelta(seconds=30)


@dataclass
class Core:
    store: Store
    chat: Chat
    clock: Clock
    library: PromptLibrary
    defaults: CommunitySettings  # a new community's settings (community_id is replaced)
    organisers: frozenset[str] = frozenset()  # member ids that organise every community
    max_reminders: int = 3
    catch_up_grace: timedelta = timedelta(hours=6)
    # After this, a delivery claimed by an instance that vanished is taken over.
    claim_lease: timedelta = timedelta(minutes=5)
    digest_days: int = 7
    # Closing the loop (bot.questions.roundup, routing, nudge).
    max_channel_posts_per_day: int = 1  # round-ups in one help channel per local day
    routing_after: timedelta = timedelta(hours=4)
    routing_per_day: int = 2  # routed requests one member receives per local day
    quiet_hours: QuietHours | None = QuietHours(time(21), time(8))
    nudge_after: timedelta = timedelta(hours=48)
    # Called once a unit of work queued a delivery: the deliverer wakes up (bot.delivery).
    delivery_wanted: Callable[[], None] = lambda: None
    # Set by a running deliverer (bot.delivery.deliverer): whether it takes a post queued now
    # itself, claimed in the unit of work that queues it; and the hand-over once it committed.
    takes_at_once: Callable[[str, str], bool] = lambda community_id, route: False
    take: Callable[[Delivery, datetime, Message | None], None] = (
        lambda delivery, lease_until, rendered: None
    )
    # Replies and reactions kept until their post is recorded (bot.early): one was kept here,
    # and a post was recorded (what it may be about).
    early_kept: Callable[[], None] = lambda: None
    post_recorded: Callable[[], None] = lambda: None
    web: WebConfig | None = None  # the web pages' address and secret, when they are served
    _settings_read: dict[str, tuple[CommunitySettings, datetime]] = field(
        default_factory=dict, repr=False
    )

    def is_organiser(self, actor: Actor) -> bool:
        return actor.is_organiser or actor.member_id in self.organisers

    async def settings(self, tx: Transaction, community_id: str) -> CommunitySettings:
        """The community's settings, created the first time it is seen.

        Events come in storms: once read, they are trusted for ``SETTINGS_TTL``; only once
        the unit of work commits, so that a community whose creation rolled back is never
        remembered.
        """
        settings = self.settings_read(community_id)
        if settings is not None:
            return settings
        now = self.clock.now()
        settings = await tx.communities.settings(
            replace(self.defaults, community_id=community_id), now
        )

        async def trust() -> None:
            self._settings_read[community_id] = (settings, now)

        tx.after_commit(trust)
        return settings

    def settings_read(self, community_id: str) -> CommunitySettings | None:
        """The settings this process read lately: None when the database must be asked."""
        read = self._settings_read.get(community_id)
        if read is None or self.clock.now() - read[1] >= SETTINGS_TTL:
            return None
        return read[0]

    async def save_settings(self, tx: Transaction, settings: CommunitySettings) -> None:
        """Change the settings; this process reads them afresh once the change is saved."""
        await tx.communities.save_settings(settings)

        async def forget() -> None:  # runs after the read's ``trust``, which it undoes
            self._settings_read.pop(settings.community_id, None)

        self._settings_read.pop(settings.community_id, None)
        tx.after_commit(forget)

    async def member_language(
        self, tx: Transaction, settings: CommunitySettings, member_id: str
    ) -> str:
        """A member's language for what the bot tells them later, not in reply to them:
        the locale their platform last gave, else the community's language."""
        locale = await tx.communities.member_locale(settings.community_id, member_id)
        return language_for(settings.language, locale)

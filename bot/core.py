"""What every use case works with: the store, the chat, the clock, the prompts and the rules.

Built once by the composition root (:mod:`bot.runtime.bootstrap`); no globals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.commands import Actor
from bot.domain import CommunitySettings
from bot.i18n import language_for
from bot.ports import Chat, Store, Transaction
from bot.prompts import PromptLibrary

# Settings read once per command: a command asks for them at every step.
_settings_memo: ContextVar[dict[str, CommunitySettings] | None] = ContextVar(
    "settings_memo", default=None
)
# How long this process trusts settings it read; a change made on another instance
# shows here after at most this long (changes made here show at once).
SETTINGS_TTL = timedelta(seconds=30)


@contextmanager
def settings_memo() -> Iterator[dict[str, CommunitySettings]]:
    """Within this block (one command), a community's settings are read from the database once."""
    memo: dict[str, CommunitySettings] = {}
    token = _settings_memo.set(memo)
    try:
        yield memo
    finally:
        _settings_memo.reset(token)


def forget_unsaved_settings() -> None:
    """After a unit of work rolled back: the command's settings are read again."""
    memo = _settings_memo.get()
    if memo is not None:
        memo.clear()


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
    # Called once a unit of work queued a delivery: the deliverer wakes up (bot.delivery).
    delivery_wanted: Callable[[], None] = lambda: None
    _settings_read: dict[str, tuple[CommunitySettings, datetime]] = field(
        default_factory=dict, repr=False
    )

    def is_organiser(self, actor: Actor) -> bool:
        return actor.is_organiser or actor.member_id in self.organisers

    async def settings(self, tx: Transaction, community_id: str) -> CommunitySettings:
        settings = self.settings_read(community_id)
        if settings is None:
            now = self.clock.now()
            settings = await tx.community(replace(self.defaults, community_id=community_id), now)
            memo = _settings_memo.get()
            if memo is not None:
                memo[community_id] = settings
        return settings

    def settings_read(self, community_id: str) -> CommunitySettings | None:
        """The settings this command, or this process lately, read: None when the database
        must be asked (:meth:`settings`)."""
        memo = _settings_memo.get()
        if memo is not None and community_id in memo:
            return memo[community_id]
        read = self._settings_read.get(community_id)
        if read is None or self.clock.now() - read[1] >= SETTINGS_TTL:
            return None
        if memo is not None:
            memo[community_id] = read[0]
        return read[0]

    def keep_settings(self, memo: dict[str, CommunitySettings]) -> None:
        """Trust a command's settings for a while: only once the command went through, so
        that a community created by a transaction that rolled back is never remembered."""
        now = self.clock.now()
        for community_id, settings in memo.items():
            if (
                community_id not in self._settings_read
                or now - self._settings_read[community_id][1] >= SETTINGS_TTL
            ):
                self._settings_read[community_id] = (settings, now)

    async def save_settings(self, tx: Transaction, settings: CommunitySettings) -> None:
        await tx.save_settings(settings)
        self._settings_read.pop(settings.community_id, None)
        memo = _settings_memo.get()
        if memo is not None:
            memo[settings.community_id] = settings

    async def member_language(
        self, tx: Transaction, settings: CommunitySettings, member_id: str
    ) -> str:
        """A member's language for what the bot tells them later, not in reply to them:
        the locale their platform last gave, else the community's language."""
        return language_for(
            settings.language, await tx.member_locale(settings.community_id, member_id)
        )

    @staticmethod
    def private_language(settings: CommunitySettings, actor: Actor) -> str:
        """Private replies follow the member's locale; public posts the community's language."""
        return language_for(settings.language, actor.locale)

"""What every use case works with: the store, the chat, the clock, the prompts and the rules.

Built once by the composition root (:mod:`bot.runtime.bootstrap`); no globals.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import timedelta

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


@contextmanager
def settings_memo() -> Iterator[None]:
    """Within this block (one command), a community's settings are read from the database once."""
    token = _settings_memo.set({})
    try:
        yield
    finally:
        _settings_memo.reset(token)


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
    # After this, a claim left by a dead instance is taken over.
    claim_lease: timedelta = timedelta(minutes=5)
    # Scheduled posts under way at once; the adapters pace them to the platform's limits.
    post_concurrency: int = 16
    digest_days: int = 7

    def is_organiser(self, actor: Actor) -> bool:
        return actor.is_organiser or actor.member_id in self.organisers

    async def settings(self, tx: Transaction, community_id: str) -> CommunitySettings:
        memo = _settings_memo.get()
        if memo is not None and community_id in memo:
            return memo[community_id]
        settings = await tx.community(
            replace(self.defaults, community_id=community_id), self.clock.now()
        )
        if memo is not None:
            memo[community_id] = settings
        return settings

    @staticmethod
    def private_language(settings: CommunitySettings, actor: Actor) -> str:
        """Private replies follow the member's locale; public posts the community's language."""
        return language_for(settings.language, actor.locale)

"""What every use case works with: the store, the chat, the clock, the prompts and the rules.

Built once by the composition root (:mod:`bot.runtime.bootstrap`); no globals.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from bot.clock import Clock
from bot.commands import Actor
from bot.domain import CommunitySettings
from bot.i18n import language_for
from bot.ports import Chat, Store, Transaction
from bot.prompts import PromptLibrary


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
        return await tx.community(
            replace(self.defaults, community_id=community_id), self.clock.now()
        )

    @staticmethod
    def private_language(settings: CommunitySettings, actor: Actor) -> str:
        """Private replies follow the member's locale; public posts the community's language."""
        return language_for(settings.language, actor.locale)

"""The command context: what every use case works with, built once per command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.commands import Actor
from bot.core import Core
from bot.domain import CommunitySettings
from bot.errors import UserError
from bot.i18n import language_for
from bot.ports import Transaction


@dataclass(frozen=True)
class Context:
    """Who acted, where, in which community (its settings read once), when, and the unit of
    work the command's claim and effect commit in together."""

    core: Core
    tx: Transaction
    actor: Actor
    channel_id: str  # where the command was given
    settings: CommunitySettings
    now: datetime

    @property
    def community_id(self) -> str:
        return self.actor.community_id

    @property
    def language(self) -> str:
        """Private replies follow the member's locale; public posts the community's language."""
        return language_for(self.settings.language, self.actor.locale)

    @property
    def is_organiser(self) -> bool:
        return self.core.is_organiser(self.actor)

    def require_organiser(self) -> None:
        if not self.is_organiser:
            raise UserError("error.organisers_only")

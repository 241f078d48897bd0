"""Build the application from settings: engine, store, prompt library, core, service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.core import Core
from bot.delivery.pacing import Pacer
from bot.domain import CommunitySettings
from bot.localtime import QuietHours
from bot.ports import Chat
from bot.prompts import load_library
from bot.runtime.settings import Settings
from bot.service import Entraide
from storage.engine import create_engine
from storage.store import Store


@dataclass
class App:
    entraide: Entraide
    store: Store

    async def close(self) -> None:
        await self.store.engine.dispose()


def build(
    settings: Settings,
    chat: Chat,
    clock: Clock,
    extra_organisers: list[str] | None = None,
    pacer_for: Callable[[str], Pacer | None] = lambda _community_id: None,
    statement_timeout: float | None = None,
) -> App:
    store = Store(create_engine(settings.database_url, statement_timeout=statement_timeout))
    defaults = CommunitySettings(
        community_id="",
        language=settings.community.language,
        timezone=settings.community.timezone,
        helpful_emoji=settings.community.helpful_emoji,
        me_too_emoji=settings.community.me_too_emoji,
        bookmark_emoji=settings.community.bookmark_emoji,
        reminder_delay=timedelta(hours=settings.reminders.delay_hours),
    )
    core = Core(
        store=store,
        chat=chat,
        clock=clock,
        library=load_library(),
        defaults=defaults,
        organisers=frozenset([*settings.organisers, *(extra_organisers or [])]),
        max_reminders=settings.reminders.max_per_question,
        catch_up_grace=timedelta(hours=settings.scheduling.catch_up_grace_hours),
        claim_lease=timedelta(seconds=settings.scheduling.claim_lease_seconds),
        digest_days=settings.scheduling.digest_days,
        max_channel_posts_per_day=settings.reminders.max_channel_posts_per_day,
        routing_after=timedelta(hours=settings.routing.after_hours),
        routing_per_day=settings.routing.per_member_per_day,
        quiet_hours=QuietHours.parse(settings.routing.quiet_hours),
        nudge_after=timedelta(hours=settings.nudge.after_hours),
    )
    return App(Entraide(core, pacer_for), store)

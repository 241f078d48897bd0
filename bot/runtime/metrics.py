"""Prometheus metrics of one process: commands, events, posts, retries, failures, backlogs,
scheduler lag."""

from __future__ import annotations

import time
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from bot.commands import Command
from bot.ports import Chat, ChatError, ChatUnavailable, FetchedMessage
from bot.replies import Message
from bot.runtime.routing import platform_of
from bot.service import Entraide


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter(
            "entraide_commands",
            "Commands and events handled",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.posts = Counter(
            "entraide_posts", "Messages posted to a platform", ["platform"], registry=self.registry
        )
        self.retries = Counter(
            "entraide_post_retries",
            "Posts that failed for now and will be tried again",
            ["platform"],
            registry=self.registry,
        )
        self.failures = Counter(
            "entraide_post_failures",
            "Posts the platform refused for good",
            ["platform"],
            registry=self.registry,
        )
        self.scheduled = Counter(
            "entraide_scheduled_posts",
            "Prompts, digests and reminders queued for delivery",
            registry=self.registry,
        )
        self.tick_failures = Counter(
            "entraide_scheduler_tick_failures",
            "Scheduler ticks that failed (the database away, say)",
            registry=self.registry,
        )
        self.delivery_backlog = Gauge(
            "entraide_delivery_backlog",
            "Deliveries (posts, edits, direct messages) due and not yet sent",
            registry=self.registry,
        )
        self.event_backlog = Gauge(
            "entraide_event_backlog",
            "Events received from a platform and not yet handled",
            ["platform"],
            registry=self.registry,
        )
        self.lag = Gauge(
            "entraide_scheduler_lag_seconds",
            "How late the last scheduler tick started",
            registry=self.registry,
        )
        self.started = Gauge(
            "entraide_started_seconds",
            "When this process started (Unix time)",
            registry=self.registry,
        )
        self.started.set(time.time())

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MeteredEntraide:
    """What adapters call: ``Entraide.handle``, counted."""

    def __init__(self, entraide: Entraide, metrics: Metrics) -> None:
        self.entraide = entraide
        self.metrics = metrics

    async def handle(self, command: Command) -> Message | None:
        kind = type(command).__name__
        try:
            reply = await self.entraide.handle(command)
        except Exception:
            self.metrics.commands.labels(kind, "error").inc()
            raise
        self.metrics.commands.labels(kind, "ok").inc()
        return reply

    def __getattr__(self, name: str):
        return getattr(self.entraide, name)


class MeteredChat:
    """The core's Chat, counted: posts, retries, failures per platform."""

    def __init__(self, chat: Chat, metrics: Metrics) -> None:
        self.chat = chat
        self.metrics = metrics

    async def _counted(self, community_id: str, call):
        platform = platform_of(community_id)
        try:
            result = await call
        except ChatUnavailable:
            self.metrics.retries.labels(platform).inc()
            raise
        except ChatError:
            self.metrics.failures.labels(platform).inc()
            raise
        return result

    async def post(
        self,
        community_id: str,
        channel_id: str,
        message: Message,
        thread_id: str | None = None,
        *,
        key: str | None = None,
    ) -> str:
        message_id = await self._counted(
            community_id, self.chat.post(community_id, channel_id, message, thread_id, key=key)
        )
        self.metrics.posts.labels(platform_of(community_id)).inc()
        return message_id

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
        return await self._counted(
            community_id,
            self.chat.find_post(
                community_id,
                channel_id,
                key,
                since,
                thread_id=thread_id,
                member_id=member_id,
                message=message,
            ),
        )

    async def edit(
        self, community_id: str, channel_id: str, message_id: str, message: Message
    ) -> None:
        await self._counted(
            community_id, self.chat.edit(community_id, channel_id, message_id, message)
        )

    async def add_reaction(
        self, community_id: str, channel_id: str, message_id: str, emoji: str
    ) -> None:
        await self._counted(
            community_id, self.chat.add_reaction(community_id, channel_id, message_id, emoji)
        )

    async def send_private(
        self, community_id: str, member_id: str, message: Message, *, key: str | None = None
    ) -> str | None:
        return await self._counted(
            community_id, self.chat.send_private(community_id, member_id, message, key=key)
        )

    async def fetch_message(
        self, community_id: str, channel_id: str, message_id: str
    ) -> FetchedMessage | None:
        return await self._counted(
            community_id, self.chat.fetch_message(community_id, channel_id, message_id)
        )

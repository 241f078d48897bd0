"""`entraide run`: the configured adapters, the scheduler and the deliverer in one process,
stopped cleanly by SIGTERM/SIGINT.

APScheduler is only a timer: every ``scheduling.tick_seconds`` it asks the core
what is due (``Entraide.run_due``), which queues it as deliveries; the deliverer
sends them, apart from the members' commands. What is due, queued and done lives
in the database, so that several instances can run side by side.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock, SystemClock
from bot.delivery.pacing import Pacer
from bot.errors import describe
from bot.ports import Adapter
from bot.runtime.bootstrap import build
from bot.runtime.health import health_app, serve
from bot.runtime.metrics import MeteredChat, MeteredEntraide, Metrics
from bot.runtime.routing import RoutingChat, platform_of
from bot.runtime.settings import ConfigError, Settings
from bot.runtime.web import message_links, start_web
from bot.service import Entraide
from storage.engine import masked, reachable
from storage.migrate import schema_status

log = logging.getLogger(__name__)


def make_adapters(settings: Settings, entraide: MeteredEntraide) -> list[Adapter]:
    adapters: list[Adapter] = []
    if settings.recorder.path:
        from adapters.console.recorder import RecorderAdapter

        adapters.append(
            RecorderAdapter(Path(settings.recorder.path), settings.recorder.delay_seconds)
        )
    if settings.slack.enabled:
        from adapters.slack.app import SlackAdapter

        adapters.append(SlackAdapter(entraide, settings.slack))
    if settings.discord.enabled:
        from adapters.discord.client import DiscordAdapter

        adapters.append(DiscordAdapter(entraide, settings.discord))
    if not adapters:
        raise ConfigError(
            "no platform is enabled: set slack.enabled, discord.enabled or recorder.path"
        )
    return adapters


# A request kept this long and still not handled lost its instance (or waited in the
# database only): a tick hands it to its platform's adapter again.
REPLAY_AFTER = timedelta(minutes=1)


async def replay_unhandled(entraide: Entraide, adapters: Sequence[Adapter], now: datetime) -> int:
    """Hand each event kept and never handled to its platform's adapter; return how many.

    Handling one twice has one effect: the event's claim commits with its effect.
    """
    by_platform = {a.platform: a for a in adapters if hasattr(a, "replay")}
    replayed = 0
    for platform, community_id, key, payload in await entraide.unhandled(now - REPLAY_AFTER):
        adapter = by_platform.get(platform)
        if adapter is None or payload is None:
            continue
        log.info("replaying %s event %s of %s", platform, key, community_id)
        await adapter.replay(payload)
        replayed += 1
    return replayed


class Ticker:
    """One `run_due` at a time; remembers how late each tick started (the scheduler's lag)."""

    def __init__(
        self,
        entraide: Entraide,
        metrics: Metrics,
        clock: Clock,
        interval: timedelta,
        adapters: Sequence[Adapter] = (),
    ) -> None:
        self.entraide = entraide
        self.metrics = metrics
        self.clock = clock
        self.interval = interval
        self.adapters = adapters
        self.expected = None
        self.running: asyncio.Task | None = None

    async def tick(self) -> None:
        now = self.clock.now()
        if self.expected is not None:
            self.metrics.lag.set(max(0.0, (now - self.expected).total_seconds()))
        self.expected = now + self.interval
        self.running = asyncio.current_task()
        try:
            queued = await self.entraide.run_due(now)
            self.metrics.scheduled.inc(queued)
            await replay_unhandled(self.entraide, self.adapters, now)
        except Exception as error:
            # The database away, say: what is due stays due, and the next tick tries again.
            # One line, not a traceback per tick for the length of an outage.
            self.metrics.tick_failures.inc()
            log.warning("scheduler tick failed: %s", describe(error))
        finally:
            self.running = None

    async def finish(self) -> None:
        if self.running is not None:
            await asyncio.wait({self.running}, timeout=30)


class _OverrunsShowAsLag(logging.Filter):
    """APScheduler warns at every interval a tick overruns ("maximum number of running
    instances reached"): ``entraide_scheduler_lag_seconds`` already says so, without a line
    per interval for the length of a slow tick."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in record.getMessage()


_scheduler_log = logging.getLogger("apscheduler.scheduler.entraide")
_scheduler_log.addFilter(_OverrunsShowAsLag())


def ticking(ticker: Ticker) -> AsyncIOScheduler:
    """APScheduler as a timer: one ``ticker.tick`` every interval, starting now, never two at
    once, and the ticks an overrun missed made up by one."""
    scheduler = AsyncIOScheduler(timezone="UTC", logger=_scheduler_log)
    scheduler.add_job(
        ticker.tick,
        "interval",
        seconds=ticker.interval.total_seconds(),
        next_run_time=ticker.clock.now(),
        max_instances=1,
        coalesce=True,
    )
    return scheduler


def unreachable(settings: Settings, error: BaseException) -> str:
    """One paragraph for an operator whose database cannot be reached at start."""
    return (
        f"entraide: cannot reach the database {masked(settings.database_url)} "
        f"({describe(error)}). Check database_url (ENTRAIDE_DATABASE_URL) and that the "
        "server is running and accepts connections from this host; nothing was started."
    )


async def run(settings: Settings) -> int:
    metrics = Metrics()
    router = RoutingChat()
    clock = SystemClock()
    pacers: dict[str, Pacer] = {}
    app = build(
        settings,
        MeteredChat(router, metrics),
        clock,
        pacer_for=lambda community_id: pacers.get(platform_of(community_id)),
        statement_timeout=settings.database_timeout_seconds,
    )
    try:
        try:
            current, head = await schema_status(app.store.engine)
        except Exception as error:
            print(unreachable(settings, error))
            return 1
        if current != head:
            print(
                f"entraide: the database schema is at {current or 'nothing'}, this version needs {head}: "
                "run `entraide db upgrade` once, then start the instances."
            )
            return 2
        adapters = make_adapters(settings, MeteredEntraide(app.entraide, metrics))
        for adapter in adapters:
            router.add(adapter.platform, adapter.chat)
            # An adapter that knows its platform's limits gets its deliveries paced to them.
            limits = getattr(adapter, "rate_limits", None)
            if limits is not None:
                pacers[adapter.platform] = Pacer(limits)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)

        health = None
        if settings.health.enabled:
            health, port = await serve(
                health_app(
                    lambda: reachable(app.store.engine, settings.health.database_timeout_seconds),
                    adapters,
                    metrics,
                    app.entraide.deliveries.backlog,
                ),
                settings.health.host,
                settings.health.port,
            )
            print(
                f"entraide: health and metrics on http://{settings.health.host}:{port}/healthz",
                flush=True,
            )
        for adapter in adapters:
            await adapter.start()
        pages = None
        if settings.web.enabled:
            links = {a.platform: a.message_link for a in adapters if hasattr(a, "message_link")}
            pages, config = await start_web(settings, app.entraide.core, message_links(links))
            print(f"entraide: web pages on {config.base_url}/", flush=True)
        interval = timedelta(seconds=settings.scheduling.tick_seconds)
        ticker = Ticker(app.entraide, metrics, clock, interval, adapters)
        scheduler = ticking(ticker)
        scheduler.start()
        # Woken by this process's commits and ticks; polls for what other instances left.
        delivering = asyncio.create_task(
            app.entraide.deliveries.run(interval.total_seconds()), name="deliverer"
        )
        # What start-up made (modules, settings, clients) lives as long as the process: the
        # collector need not walk it again at every full collection, each one a pause of
        # tens of milliseconds in every request waiting to be acknowledged.
        gc.freeze()
        print(f"entraide: running ({', '.join(a.platform for a in adapters)})", flush=True)
        await stop.wait()

        log.info("stopping")
        # No new delivery from now, while the tick under way completes (shutdown would cancel
        # it): what it queues from now waits in the database for the next instance.
        app.entraide.deliveries.stop_claiming()
        scheduler.pause()
        await ticker.finish()
        scheduler.shutdown(wait=False)
        # Posts under way finish; those claimed but not started are given back at once.
        await app.entraide.deliveries.drain(settings.scheduling.drain_seconds)
        await asyncio.gather(delivering, return_exceptions=True)
        for adapter in reversed(adapters):
            await adapter.stop()
        if health is not None:
            await health.cleanup()
        if pages is not None:
            await pages.cleanup()
        return 0
    finally:
        await app.close()

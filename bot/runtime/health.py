"""`/healthz` and `/metrics` over HTTP (aiohttp), for load balancers and Prometheus."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from bot.ports import Adapter
from bot.runtime.metrics import Metrics

log = logging.getLogger(__name__)


def health_app(
    database_reachable: Callable[[], Awaitable[bool]],
    adapters: Sequence[Adapter],
    metrics: Metrics,
    backlog: Callable[[], Awaitable[int]],
) -> web.Application:
    """``database_reachable`` answers within its own time-out (``storage.engine.reachable``).

    An adapter with a ``backlog`` (events it received and has not handled yet) has it
    shown as ``entraide_event_backlog{platform}``: a storm is seen growing, not only
    once events start failing.
    """

    async def healthz(_request: web.Request) -> web.Response:
        checks = {"database": await database_reachable()}
        checks |= {
            adapter.platform: bool(getattr(adapter, "connected", True)) for adapter in adapters
        }
        healthy = all(checks.values())
        if not checks["database"]:
            log.warning("health check: the database did not answer in time")
        return web.json_response(
            {"status": "ok" if healthy else "unhealthy", "checks": checks},
            status=200 if healthy else 503,
        )

    async def prometheus(_request: web.Request) -> web.Response:
        for adapter in adapters:
            waiting = getattr(adapter, "backlog", None)
            if waiting is not None:
                metrics.event_backlog.labels(adapter.platform).set(waiting)
        if await database_reachable():  # the backlog is read from the database
            metrics.delivery_backlog.set(await backlog())
        return web.Response(body=metrics.exposition(), content_type="text/plain", charset="utf-8")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", prometheus)
    return app


async def serve(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Start serving; return the runner (to stop it) and the port actually bound."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    return runner, bound

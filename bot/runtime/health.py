"""`/healthz` and `/metrics` over HTTP (aiohttp), for load balancers and Prometheus."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Adapter
from bot.runtime.metrics import Metrics

log = logging.getLogger(__name__)


def health_app(
    engine: AsyncEngine, adapters: Sequence[Adapter], metrics: Metrics
) -> web.Application:
    async def healthz(_request: web.Request) -> web.Response:
        checks = {"database": await _database_reachable(engine)}
        checks |= {
            adapter.platform: bool(getattr(adapter, "connected", True)) for adapter in adapters
        }
        healthy = all(checks.values())
        return web.json_response(
            {"status": "ok" if healthy else "unhealthy", "checks": checks},
            status=200 if healthy else 503,
        )

    async def prometheus(_request: web.Request) -> web.Response:
        return web.Response(body=metrics.exposition(), content_type="text/plain", charset="utf-8")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", prometheus)
    return app


async def _database_reachable(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True
    except Exception as error:  # any failure means "not reachable" to a health check
        log.warning("health check: database unreachable: %s", type(error).__name__)
        return False


async def serve(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Start serving; return the runner (to stop it) and the port actually bound."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    return runner, bound

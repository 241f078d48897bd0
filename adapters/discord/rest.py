"""Discord's REST API as the adapter calls it: through discord.py's HTTP client (its rate-limit
buckets, its 429 handling), retried on transient failures, refused in plain words.

discord.py waits out short 429s and retries 500/502/504 itself; this adds 503, time-outs
and dropped connections, a bounded number of times, then reports :class:`ChatUnavailable`
so that the core tries again later; a rate limit longer than discord.py will wait is
reported at once, with its delay. 403 and 404 are never retried: they become a
:class:`ChatError` in plain words, which the core shows to the member or an organiser.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import discord
from discord.http import Route

from bot.ports import ChatError, ChatUnavailable

log = logging.getLogger(__name__)

# Discord's error codes, as the reasons members and organisers read (``refusal.*`` messages).
REFUSALS = {
    50001: "channel_not_found",
    50013: "missing_permission",
    50007: "no_dm",
    10003: "gone",
    10008: "gone",
    50083: "thread_archived",
    160005: "locked",
    40067: "forum_needs_tag",
}
TRANSIENT = (discord.DiscordServerError, TimeoutError, aiohttp.ClientConnectionError)


class Rest:
    def __init__(
        self, client: discord.Client, timeout: float, retry_delays: Sequence[float]
    ) -> None:
        self.client = client
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._retry_delays = tuple(retry_delays)

    async def call(
        self,
        route: Route,
        *,
        took_effect: Callable[[], Awaitable[Any]] | None = None,
        **kwargs: Any,
    ) -> Any:
        """One REST call, retried on transient failures; 4xx errors are raised at once.

        discord.py waits out 429s and retries 500/502/504 itself; this adds 503, time-outs
        and dropped connections. ``took_effect`` finds what an ambiguous failure may have
        created anyway, for calls that cannot carry a nonce.
        """
        delays = iter(self._retry_delays)
        while True:
            try:
                return await self.client.http.request(route, timeout=self.timeout, **kwargs)
            except discord.RateLimited as error:
                raise ChatUnavailable(
                    f"Discord asks to wait {error.retry_after:.0f} s", error.retry_after
                ) from None
            except TRANSIENT as error:
                reason = describe(error)
                if took_effect is not None:
                    try:
                        found = await took_effect()
                    except (discord.HTTPException, *TRANSIENT):
                        # Unknown outcome: a post missing is told to the member, a post twice is not.
                        raise ChatError.refusal("no_answer", reason=reason) from None
                    if found is not None:
                        return found
                delay = next(delays, None)
                if delay is None:
                    raise ChatUnavailable(f"Discord did not answer ({reason})") from None
                log.warning(
                    "%s %s failed (%s); retrying in %.1fs", route.method, route.path, reason, delay
                )
                await asyncio.sleep(delay)


def checked(channel_id: str) -> str:
    """Discord channel ids are snowflakes; anything else is a setting that names no channel."""
    if not channel_id.isdigit():
        raise ChatError.refusal("not_a_channel", channel=channel_id)
    return channel_id


def describe(error: Exception) -> str:
    if isinstance(error, discord.HTTPException):
        return f"HTTP {error.status}"
    return type(error).__name__


def failure(error: discord.HTTPException) -> ChatError:
    """A refusal in words the member or organiser will read, in their language."""
    name = REFUSALS.get(error.code) or {403: "not_allowed", 404: "gone"}.get(error.status)
    if name is None:
        return ChatError.refusal("other", code=f"{error.status}: {error.text or error.code}")
    return ChatError.refusal(name)

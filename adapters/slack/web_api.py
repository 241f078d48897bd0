"""Slack's Web API as the adapter calls it: every call through ``api_url`` (GovSlack, proxies),
retried when the failure is transient, refused in plain words when it is not.

Transient failures (HTTP 429 with ``Retry-After``, 5xx, time-outs, connection resets) are
retried with backoff a bounded number of times, then raised as :class:`ChatUnavailable`;
refusals (``channel_not_found``, ``not_in_channel``, ``is_archived``…) raise
:class:`ChatError` at once, because the core shows them to members and organisers.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import ChatError, ChatUnavailable

log = logging.getLogger(__name__)
_CONTEXT = {"platform": "slack"}

ATTEMPTS = 5
TIMEOUT_SECONDS = 10.0
RETRY_AFTER_MAX = 120.0  # a misbehaving proxy must not park a worker for hours
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable"}

# Slack's error codes, as the reasons members and organisers read (``refusal.*`` messages).
REFUSALS = {
    "channel_not_found": "channel_not_found",
    "not_in_channel": "not_in_channel",
    "is_archived": "archived",
    "restricted_action": "not_allowed",
    "restricted_action_read_only_channel": "read_only",
    "ekm_access_denied": "not_allowed",
    "missing_scope": "missing_permission",
    "not_allowed_token_type": "bad_token",
    "invalid_auth": "bad_token",
    "not_authed": "bad_token",
    "token_revoked": "bad_token",
    "account_inactive": "bad_token",
    "user_not_found": "gone",
    "cannot_dm_bot": "no_dm",
    "message_not_found": "gone",
    "cant_update_message": "not_allowed",
    "msg_too_long": "too_long",
}


class SlackChatError(ChatError):
    """Slack refused a call for good; ``code`` is Slack's own error code."""

    def __init__(self, code: str) -> None:
        refusal = (
            ChatError.refusal(REFUSALS[code])
            if code in REFUSALS
            else ChatError.refusal("other", code=code)
        )
        super().__init__(str(refusal), refusal.key, **refusal.values)
        self.code = code


class SlackUnavailable(ChatUnavailable):
    """Slack kept failing (429, 5xx, time-outs) after every attempt: worth trying later."""

    def __init__(self, method: str, attempts: int, last: str) -> None:
        super().__init__(f"Slack did not answer {method} after {attempts} attempts ({last})")


class WebApi:
    """One bot token's calls, with one pooled session."""

    def __init__(
        self,
        token: str,
        api_url: str,
        *,
        attempts: int = ATTEMPTS,
        timeout: float = TIMEOUT_SECONDS,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.client = AsyncWebClient(
            token=token,
            base_url=api_url if api_url.endswith("/") else api_url + "/",
            timeout=int(max(1, timeout)),
            retry_handlers=[],  # retries are ours: bounded, logged, and Retry-After honoured
            logger=log,
        )
        self.attempts = attempts
        self.timeout = timeout
        self.sleep = sleep

    def session(self) -> aiohttp.ClientSession:
        # One pooled session, made inside the running loop (aiohttp requires it).
        if self.client.session is None or self.client.session.closed:
            self.client.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout)
            )
        return self.client.session

    async def close(self) -> None:
        if self.client.session is not None and not self.client.session.closed:
            await self.client.session.close()

    async def call(
        self,
        method: str,
        *,
        landed: Callable[[], Awaitable[dict | None]] | None = None,
        **params: Any,
    ) -> dict:
        """Call ``method`` (``chat.postMessage``); retry what is transient, raise what is not.

        ``landed`` finds what a call that creates something made, after a failure that
        may have been applied: the retry is made only if it finds nothing.
        """
        self.session()
        last = ""
        for attempt in range(1, self.attempts + 1):
            try:
                if method in _POSTED_AS_JSON:
                    return await self._post_json(method, params)
                response = await getattr(self.client, method.replace(".", "_"))(**params)
                return dict(response.data)
            except SlackApiError as error:
                status, code, retry_after = _failure(error)
                if status != 429 and (status or 0) < 500 and code not in TRANSIENT_ERRORS:
                    # Callers log what it means for them.
                    log.info("slack %s refused: %s", method, code, extra=_CONTEXT)
                    raise SlackChatError(code) from None
                last = code or f"HTTP {status}"
                delay = retry_after if retry_after is not None else _backoff(attempt)
                applied_maybe = status != 429 and code != "ratelimited"
            except (TimeoutError, aiohttp.ClientError, ConnectionError) as error:
                last = type(error).__name__
                delay = _backoff(attempt)
                applied_maybe = True
            if applied_maybe and landed is not None:
                found = await self._landed_or_unknown(method, attempt, last, landed)
                if found is not None:
                    log.info("slack %s had gone through despite %s", method, last, extra=_CONTEXT)
                    return found
            if attempt == self.attempts:
                break
            log.warning(
                "slack %s failed (%s), attempt %d of %d, next in %.1fs",
                method,
                last,
                attempt,
                self.attempts,
                delay,
                extra=_CONTEXT,
            )
            await self.sleep(delay)
        log.error("slack %s failed %d times (%s)", method, self.attempts, last, extra=_CONTEXT)
        raise SlackUnavailable(method, self.attempts, last)

    async def _post_json(self, method: str, params: dict[str, Any]) -> dict:
        """The request ``slack_sdk`` makes for ``method`` (JSON, the bot's token), without its
        machinery around it, which under load cost a tenth of the process's time per post;
        a failure is raised as it raises it."""
        url = f"{self.client.base_url}{method}"
        body = {name: value for name, value in params.items() if value is not None}
        headers = {"Authorization": f"Bearer {self.client.token}"}
        async with self.session().post(url, json=body, headers=headers) as response:
            try:
                data = await response.json(content_type=None)
            except ValueError:  # not JSON: a proxy's error page, say
                data = None
            if not isinstance(data, dict):
                data = {"ok": False, "error": "invalid_response"}
            if response.status >= 400 or not data.get("ok"):
                raise SlackApiError(
                    f"The request to the Slack API failed. (url: {url})",
                    _Failed(response.status, response.headers, data),
                )
            return data

    async def _landed_or_unknown(
        self, method: str, attempt: int, last: str, landed: Callable[[], Awaitable[dict | None]]
    ) -> dict | None:
        """What ``landed`` found; not being able to look is a failure for now (a blind retry
        could post twice)."""
        try:
            return await landed()
        except ChatError as error:
            raise SlackUnavailable(
                method, attempt, f"{last}, then unable to check: {error}"
            ) from None

    # -- the Chat port -------------------------------------------------------


# Called for every card: sent as slack_sdk sends it, JSON, without its machinery.
_POSTED_AS_JSON = frozenset({"chat.postMessage"})


@dataclass(frozen=True)
class _Failed:
    """What :func:`_failure` reads of a failed response."""

    status_code: int
    headers: Mapping[str, str]
    data: dict


def _failure(error: SlackApiError) -> tuple[int | None, str, float | None]:
    """(HTTP status, Slack error code, Retry-After seconds) of a failed call."""
    response = error.response
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    data = getattr(response, "data", None)
    code = data.get("error", "") if isinstance(data, dict) else ""
    retry_after = None
    headers = getattr(response, "headers", None) or {}
    raw = headers.get("Retry-After") or headers.get("retry-after")
    if raw is not None:
        try:
            retry_after = min(max(float(raw), 0.0), RETRY_AFTER_MAX)
        except ValueError:
            retry_after = None
    return status, code, retry_after


def _backoff(attempt: int) -> float:
    """0.5 s, 1 s, 2 s… up to 8 s, with jitter so that instances do not retry in step."""
    base = min(0.5 * 2 ** (attempt - 1), 8.0)
    return base + random.uniform(0, base / 4)

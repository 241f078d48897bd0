"""SlackChat: the core's Chat port over Slack's Web API, with retries.

Transient failures (HTTP 429 with ``Retry-After``, 5xx, time-outs, connection
resets) are retried with backoff a bounded number of times, then raised as
:class:`ChatUnavailable`; refusals (``channel_not_found``, ``not_in_channel``,
``is_archived``…) raise :class:`ChatError` at once, in plain words, because the
core shows them to members and organisers.

A post carries its delivery key in the message's metadata. Slack has no idempotency
key of its own, so after a failure that may have been applied (a time-out, a reset,
a 5xx) the channel's recent history is searched for that key before posting again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import SlackMessage, continuation, to_slack
from adapters.slack.translate import decode, message_id, split_message_id
from bot.emoji import canonical
from bot.ports import ChatError, ChatUnavailable, FetchedMessage
from bot.replies import Message

log = logging.getLogger(__name__)
_CONTEXT = {"platform": "slack"}

ATTEMPTS = 5
TIMEOUT_SECONDS = 10.0
METADATA_TYPE = "entraide_delivery"  # the event_type of the metadata that carries a post's key
LOOKBACK = 200  # recent messages searched for a post whose answer was lost
CLOCK_SKEW = timedelta(minutes=2)  # Slack's clock and ours may differ: search a little earlier
RETRY_AFTER_MAX = 120.0  # a misbehaving proxy must not park a worker for hours
OVERFLOW_POSTS_MAX = 5  # follow-ups in a thread for one long message
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


class SlackChat:
    """Every Web API call of the adapter, through ``api_url`` (GovSlack, proxies)."""

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
        self._dm_channels: dict[str, str] = {}

    def _session(self) -> aiohttp.ClientSession:
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
        self._session()
        send = getattr(self.client, method.replace(".", "_"))
        last = ""
        for attempt in range(1, self.attempts + 1):
            try:
                response = await send(**params)
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

    async def post(
        self,
        community_id: str,
        channel_id: str,
        message: Message,
        thread_id: str | None = None,
        *,
        key: str | None = None,
    ) -> str:
        """Post in a channel or a thread; what does not fit follows in the thread."""
        thread_ts = None
        if thread_id:
            channel_id, thread_ts = split_message_id(thread_id)
        rendered = to_slack(message, await self._permalink(message.refers_to), thread_follows=True)
        posted = await self._post_message(channel_id, rendered, thread_ts, key)
        channel_id, ts = posted["channel"], posted["ts"]
        await self._post_overflow(channel_id, thread_ts or ts, rendered, key)
        return message_id(channel_id, ts)

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
        thread_ts = None
        if thread_id:
            channel_id, thread_ts = split_message_id(thread_id)
        elif member_id:
            channel_id = await self._direct_channel(member_id)
        found = await self._with_key(channel_id or "", key, thread_ts, since)
        return message_id(found["channel"], found["ts"]) if found else None

    async def edit(
        self, community_id: str, channel_id: str, message_id: str, message: Message
    ) -> None:
        channel_id, ts = split_message_id(message_id)
        rendered = to_slack(message, await self._permalink(message.refers_to), thread_follows=True)
        await self.call("chat.update", channel=channel_id, ts=ts, **rendered.payload())

    async def add_reaction(
        self, community_id: str, channel_id: str, message_id: str, emoji: str
    ) -> None:
        channel_id, ts = split_message_id(message_id)
        try:
            await self.call(
                "reactions.add", channel=channel_id, timestamp=ts, name=canonical(emoji)
            )
        except SlackChatError as error:
            if error.code != "already_reacted":
                raise

    async def send_private(
        self, community_id: str, member_id: str, message: Message, *, key: str | None = None
    ) -> str | None:
        channel_id = await self._direct_channel(member_id)
        return await self.post(community_id, channel_id, message, key=key)

    async def _direct_channel(self, member_id: str) -> str:
        channel_id = self._dm_channels.get(member_id)
        if channel_id is None:
            opened = await self.call("conversations.open", users=member_id)
            channel_id = self._dm_channels[member_id] = opened["channel"]["id"]
        return channel_id

    async def fetch_message(
        self, community_id: str, channel_id: str, message_id: str
    ) -> FetchedMessage | None:
        channel_id, ts = split_message_id(message_id)
        try:
            found = await self._find(channel_id, ts)
        except SlackChatError as error:
            log.info("cannot read %s in %s: %s", message_id, community_id, error.code)
            return None
        if found is None:
            return None
        author = found.get("user") or found.get("bot_id") or ""
        return FetchedMessage(message_id, channel_id, author, decode(found.get("text") or ""))

    # -- beyond the port: what the adapter itself needs ------------------------

    async def post_ephemeral(self, channel_id: str, member_id: str, message: Message) -> None:
        """A private reply in a channel, seen only by ``member_id``."""
        rendered = to_slack(message, await self._permalink(message.refers_to))
        await self.call(
            "chat.postEphemeral", channel=channel_id, user=member_id, **rendered.payload()
        )

    async def respond(self, response_url: str, message: Message) -> bool:
        """Reply through a command's or a button's ``response_url``; False if Slack did not take it."""
        rendered = to_slack(message, await self._permalink(message.refers_to))
        payload = {"response_type": "ephemeral", **rendered.payload()}
        try:
            async with self._session().post(response_url, json=payload) as response:
                if response.status == 200:
                    return True
                log.warning("response_url refused the reply: HTTP %s", response.status)
        except (TimeoutError, aiohttp.ClientError) as error:
            log.warning("response_url unreachable: %s", type(error).__name__)
        return False

    async def open_view(self, trigger_id: str, view: dict) -> None:
        await self.call("views.open", trigger_id=trigger_id, view=view)

    async def identify(self) -> dict:
        """``auth.test``: the workspace and the bot's own ids."""
        return await self.call("auth.test")

    async def socket_url(self, app_token: str) -> str:
        """A Socket Mode WebSocket URL (``apps.connections.open`` takes the app-level token)."""
        opened = await self.call("apps.connections.open", app_token=app_token)
        return opened["url"]

    async def member(self, member_id: str) -> dict:
        found = await self.call("users.info", user=member_id, include_locale=True)
        return found["user"]

    # -- helpers -------------------------------------------------------------

    async def _post_message(
        self,
        channel_id: str,
        rendered: SlackMessage,
        thread_ts: str | None,
        key: str | None = None,
    ) -> dict:
        params = {"channel": channel_id, **rendered.payload()}
        if thread_ts:
            params["thread_ts"] = thread_ts
        landed = None
        if key:
            params["metadata"] = {"event_type": METADATA_TYPE, "event_payload": {"key": key}}
            since = datetime.now(UTC)

            async def landed() -> dict | None:
                return await self._with_key(channel_id, key, thread_ts, since)

        try:
            return await self.call("chat.postMessage", landed=landed, **params)
        except SlackChatError as error:
            if error.code != "not_in_channel":
                raise
            # A public channel the bot was never invited to: it can join it itself.
            try:
                await self.call("conversations.join", channel=channel_id)
            except SlackChatError:
                raise error from None
            return await self.call("chat.postMessage", landed=landed, **params)

    async def _with_key(
        self, channel_id: str, key: str, thread_ts: str | None, since: datetime
    ) -> dict | None:
        """The bot's message carrying ``key`` among the channel's (or thread's) recent ones."""
        window = {
            "channel": channel_id,
            "oldest": f"{(since - CLOCK_SKEW).timestamp():.6f}",
            "include_all_metadata": True,
            "limit": LOOKBACK,
        }
        if thread_ts:
            found = await self.call("conversations.replies", ts=thread_ts, **window)
        else:
            found = await self.call("conversations.history", **window)
        for candidate in found.get("messages") or []:
            metadata = candidate.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_TYPE
                and (metadata.get("event_payload") or {}).get("key") == key
            ):
                return {"channel": channel_id, "ts": candidate["ts"]}
        return None

    async def _post_overflow(
        self, channel_id: str, thread_ts: str, rendered: SlackMessage, key: str | None = None
    ) -> None:
        """The rest of a message too long for one, as replies in its thread.

        Best effort: the message itself is posted, and that is what the core records.
        """
        try:
            for part in range(2, OVERFLOW_POSTS_MAX + 2):
                if not rendered.overflow:
                    return
                rendered = continuation(rendered.overflow)
                await self._post_message(
                    channel_id, rendered, thread_ts, f"{key}.{part}" if key else None
                )
        except ChatError as error:
            log.warning("the rest of a long message in %s was not posted: %s", channel_id, error)
            return
        if rendered.overflow:
            log.warning(
                "a message in %s was cut after %d follow-ups", channel_id, OVERFLOW_POSTS_MAX
            )

    async def _permalink(self, message_id: str | None) -> str | None:
        if not message_id:
            return None
        channel_id, ts = split_message_id(message_id)
        try:
            found = await self.call("chat.getPermalink", channel=channel_id, message_ts=ts)
        except ChatError as error:
            log.info("no permalink for %s: %s", message_id, error)
            return None
        return found.get("permalink")

    async def _find(self, channel_id: str, ts: str) -> dict | None:
        """A channel message from the history, or a thread reply (the history skips those)."""
        history = await self.call(
            "conversations.history", channel=channel_id, latest=ts, inclusive=True, limit=1
        )
        for found in history.get("messages") or []:
            if found.get("ts") == ts:
                return found
        try:
            # The thread's parent always comes first; the reply at ``ts`` next.
            thread = await self.call(
                "conversations.replies",
                channel=channel_id,
                ts=ts,
                oldest=ts,
                inclusive=True,
                limit=2,
            )
        except SlackChatError as error:
            if error.code == "thread_not_found":
                return None
            raise
        return next((m for m in thread.get("messages") or [] if m.get("ts") == ts), None)


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

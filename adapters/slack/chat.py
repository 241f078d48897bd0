"""SlackChat: the core's Chat port over Slack's Web API (``adapters.slack.web_api``: retries,
refusals in plain words).

A post carries its delivery key in the message's metadata. Slack has no idempotency
key of its own, so after a failure that may have been applied (a time-out, a reset,
a 5xx) the channel's recent history is searched for that key before posting again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from adapters.slack.render import (
    SlackMessage,
    continuation,
    linked_messages,
    to_slack,
    with_permalinks,
)
from adapters.slack.translate import decode, message_id, split_message_id
from adapters.slack.web_api import ATTEMPTS, TIMEOUT_SECONDS, SlackChatError, WebApi
from bot.emoji import canonical
from bot.ports import ChatError, FetchedMessage
from bot.replies import Message

log = logging.getLogger(__name__)
_CONTEXT = {"platform": "slack"}

METADATA_TYPE = "entraide_delivery"  # the event_type of the metadata that carries a post's key
LOOKBACK = 200  # recent messages searched for a post whose answer was lost
CLOCK_SKEW = timedelta(minutes=2)  # Slack's clock and ours may differ: search a little earlier
OVERFLOW_POSTS_MAX = 5  # follow-ups in a thread for one long message


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
        self.api = WebApi(token, api_url, attempts=attempts, timeout=timeout, sleep=sleep)
        self.client = self.api.client
        self.call = self.api.call
        self._dm_channels: dict[str, str] = {}

    async def close(self) -> None:
        await self.api.close()

    def _session(self) -> aiohttp.ClientSession:
        return self.api.session()

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
        message = await self._linked(message)
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
        message = await self._linked(message)
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
        message = await self._linked(message)
        rendered = to_slack(message, await self._permalink(message.refers_to))
        await self.call(
            "chat.postEphemeral", channel=channel_id, user=member_id, **rendered.payload()
        )

    async def respond(self, response_url: str, message: Message) -> bool:
        """Reply through a command's or a button's ``response_url``; False if Slack did not take it."""
        message = await self._linked(message)
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

    async def _linked(self, message: Message) -> Message:
        """Links to messages (a round-up's questions) made permalinks."""
        targets = linked_messages(message)
        if not targets:
            return message
        permalinks = {}
        for target in targets:
            permalink = await self._permalink(target)
            if permalink:
                permalinks[target] = permalink
        return with_permalinks(message, permalinks)

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

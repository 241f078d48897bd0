"""The core's outbound port on Discord: posts, threads, forum posts, edits, reactions, DMs.

Every call goes through discord.py's HTTP client (its rate-limit buckets, its 429
handling) to ``discord.api_url``. Transient failures — a 5xx after discord.py's own
retries, a time-out, a dropped connection — are retried a bounded number of times,
then reported as :class:`ChatUnavailable` so that the core tries again later; a
rate limit longer than discord.py will wait is reported at once, with its delay.
Messages carry the delivery's key as a nonce Discord enforces, so a retry after a
post that did go through returns that post instead of making a second one; past
Discord's few minutes of nonce memory (a claim taken over after its lease), the
channel's recent messages are read for the bot's post with the same content. 403 and 404 are never
retried: they become a :class:`ChatError` in plain words, which the core shows to
the member or an organiser.
"""

from __future__ import annotations

import logging
import secrets
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import discord
from discord.http import Route

from adapters.discord import emoji
from adapters.discord.forums import Forums
from adapters.discord.render import Rendered, thread_name, to_discord
from adapters.discord.rest import Rest, checked, describe, failure
from adapters.discord.translate import guild_id
from bot.ports import ChatError, ChatUnavailable, FetchedMessage
from bot.replies import Message, plain

log = logging.getLogger(__name__)

THREAD_ALREADY_EXISTS = 160004
NONCE_MAX = 25  # Discord's limit on a nonce's length
CLOCK_SKEW = timedelta(minutes=2)  # Discord's clock and ours may differ: look a little earlier
REMEMBERED_MESSAGES = 50_000
_FORUMS = (discord.ChannelType.forum, discord.ChannelType.media)


class DiscordChat:
    """Implements ``bot.ports.Chat`` for one bot, whatever server the community is."""

    def __init__(
        self,
        client: discord.Client,
        *,
        timeout: float = 10.0,
        retry_delays: Sequence[float] = (1.0, 4.0),
    ) -> None:
        self.client = client
        self.rest = Rest(client, timeout, retry_delays)
        self.forums = Forums(client, self.rest)
        # Discord's REST API needs a message's channel; the core knows only the message
        # (an answer lives in its question's thread), so the gateway tells us where it is.
        self._channels: OrderedDict[str, str] = OrderedDict()
        self._kinds: dict[str, discord.ChannelType] = {}
        self._direct: dict[str, str] = {}

    def remember(self, message_id: str, channel_id: str) -> None:
        """Note where a message lives (its thread, for answers), for later reactions and edits."""
        self._channels[message_id] = channel_id
        self._channels.move_to_end(message_id)
        if len(self._channels) > REMEMBERED_MESSAGES:
            self._channels.popitem(last=False)

    def known_kind(self, channel_id: str) -> discord.ChannelType | None:
        """A channel's kind if it was read already (never a call: the web pages ask)."""
        return self._kinds.get(channel_id)

    async def is_forum(self, channel_id: str) -> bool:
        """Whether a help channel is a forum (its questions are posts, with the post's id)."""
        return await self._is_forum(channel_id)

    async def reaction_users(
        self, channel_id: str, message_id: str, reaction: str, *, after: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """One page of who reacted to a message with ``reaction`` (as ``emoji.outgoing`` gives it).

        Discord lists users by increasing id: the next page starts ``after`` the last one.
        The route is discord.py's ``get_reaction_users``, sent through :meth:`_call` for its
        time-out and retries; 403 and 404 are raised as discord.py's ``Forbidden``/``NotFound``.
        """
        route = Route(
            "GET",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}",
            channel_id=channel_id,
            message_id=message_id,
            emoji=reaction,
        )
        params: dict[str, Any] = {"limit": limit} | ({"after": after} if after else {})
        return await self.rest.call(route, params=params)

    # -- the Chat port ------------------------------------------------------

    async def post(
        self,
        community_id: str,
        channel_id: str,
        message: Message,
        thread_id: str | None = None,
        *,
        key: str | None = None,
    ) -> str:
        guild = guild_id(community_id)
        rendered = to_discord(message, guild)
        try:
            if thread_id is not None:
                return await self._post_in_thread(channel_id, thread_id, rendered, key)
            if await self._is_forum(channel_id):
                if message.refers_to:
                    # A forum has no messages of its own: a note about a post goes in that post.
                    return await self._post_in_thread(channel_id, message.refers_to, rendered, key)
                tags = await self.forums.post_tags(channel_id, message.tags)
                post_id = await self.forums.post(
                    guild, channel_id, thread_name(message), rendered, tags
                )
                self.remember(post_id, post_id)
                return post_id
            message_id = await self._send(channel_id, rendered, key)
        except discord.HTTPException as error:
            raise failure(error) from None
        if message.opens_thread:
            # Questions and prompts are answered in their own thread.
            await self._open_thread(channel_id, message_id, thread_name(message))
        return message_id

    async def edit(
        self, community_id: str, channel_id: str, message_id: str, message: Message
    ) -> None:
        rendered = to_discord(message, guild_id(community_id))
        try:
            forum = await self._is_forum(channel_id)
            # A forum post's first message lives in the post's thread, which has its id.
            where = self._channels.get(message_id) or (message_id if forum else channel_id)
            route = Route(
                "PATCH",
                "/channels/{channel_id}/messages/{message_id}",
                channel_id=where,
                message_id=message_id,
            )
            await self.rest.call(route, json=rendered.payload())
        except discord.HTTPException as error:
            raise failure(error) from None
        if forum:
            await self.forums.tag_solved(channel_id, message_id, message.status == "resolved")

    async def add_reaction(
        self, community_id: str, channel_id: str, message_id: str, emoji_name: str
    ) -> None:
        guild = self.client.get_guild(int(guild_id(community_id)))
        try:
            reaction = emoji.outgoing(emoji_name, guild)
        except LookupError as error:
            raise ChatError(str(error)) from None
        route = Route(
            "PUT",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
            channel_id=self._channels.get(message_id, channel_id),
            message_id=message_id,
            emoji=reaction,
        )
        try:
            await self.rest.call(route)
        except discord.HTTPException as error:
            raise failure(error) from None

    async def send_private(
        self, community_id: str, member_id: str, message: Message, *, key: str | None = None
    ) -> str | None:
        rendered = to_discord(message, guild_id(community_id))
        try:
            return await self._send(await self._direct_channel(member_id), rendered, key)
        except discord.HTTPException as error:
            raise failure(error) from None

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
        if message is None:
            return None  # without the nonce's memory, only the content can tell
        guild = guild_id(community_id)
        rendered = to_discord(message, guild)
        try:
            if thread_id is None and member_id is None and await self._is_forum(channel_id or ""):
                if not message.refers_to:
                    post = await self.forums.post_named(
                        guild, channel_id or "", thread_name(message), since
                    )
                    return str(post["id"]) if post else None
                thread_id = message.refers_to
            where = thread_id or (
                await self._direct_channel(member_id) if member_id else channel_id or ""
            )
            recent = await self.rest.call(
                Route("GET", "/channels/{channel_id}/messages", channel_id=checked(where)),
                params={"after": discord.utils.time_snowflake(since - CLOCK_SKEW), "limit": 100},
            )
        except (discord.NotFound, discord.Forbidden):
            return None
        except discord.HTTPException as error:
            raise ChatUnavailable(f"Discord could not list messages ({describe(error)})") from None
        own = str(self.client.user.id) if self.client.user else None
        wanted = _recognisable(rendered.payload())
        for found in recent:
            if str(found.get("author", {}).get("id")) == own and _recognisable(found) == wanted:
                return str(found["id"])
        return None

    async def _direct_channel(self, member_id: str) -> str:
        channel = self._direct.get(member_id)
        if channel is None:
            data = await self.rest.call(
                Route("POST", "/users/@me/channels"), json={"recipient_id": member_id}
            )
            channel = self._direct[member_id] = str(data["id"])
        return channel

    async def fetch_message(
        self, community_id: str, channel_id: str, message_id: str
    ) -> FetchedMessage | None:
        route = Route(
            "GET",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=self._channels.get(message_id, channel_id),
            message_id=message_id,
        )
        try:
            data = await self.rest.call(route)
        except (discord.NotFound, discord.Forbidden):
            return None
        except discord.HTTPException as error:
            raise failure(error) from None
        return FetchedMessage(
            str(data["id"]), str(data["channel_id"]), str(data["author"]["id"]), data["content"]
        )

    # -- interaction replies (after the first response, which discord.py sends) --

    async def reply_to_interaction(self, token: str, guild: str, message: Message | None) -> None:
        """Replace the deferred "thinking…" reply with ``message``, or remove it when there is none."""
        route = Route(
            "PATCH" if message is not None else "DELETE",
            "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
            webhook_id=self.client.application_id,
            webhook_token=token,
        )
        try:
            if message is None:
                await self.rest.call(route)
            else:
                await self.rest.call(route, json=to_discord(message, guild).payload())
        except discord.HTTPException as error:
            raise failure(error) from None

    async def _send(self, channel_id: str, rendered: Rendered, key: str | None = None) -> str:
        # One nonce for every attempt, on every instance (the delivery's key): Discord returns
        # the first message instead of making a second one.
        nonce = (key or secrets.token_hex(12))[:NONCE_MAX]
        payload = rendered.payload() | {"nonce": nonce, "enforce_nonce": True}
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=checked(channel_id))
        data = await self.rest.call(route, json=payload)
        message_id = str(data["id"])
        self.remember(message_id, channel_id)
        return message_id

    async def _post_in_thread(
        self, channel_id: str, thread_id: str, rendered: Rendered, key: str | None = None
    ) -> str:
        try:
            return await self._send(thread_id, rendered, key)
        except discord.NotFound:
            pass  # the thread was never opened (a failed attempt): open it on its message now
        await self._start_thread(
            channel_id, thread_id, await self._starter_name(channel_id, thread_id)
        )
        return await self._send(thread_id, rendered, key)

    async def _open_thread(self, channel_id: str, message_id: str, name: str) -> None:
        """Open the thread a card is answered in; the card stands even if this fails."""
        try:
            await self._start_thread(channel_id, message_id, name)
        except (discord.HTTPException, ChatError) as error:
            reason = failure(error) if isinstance(error, discord.HTTPException) else error
            log.warning(
                "posted %s in %s but could not open its thread: %s", message_id, channel_id, reason
            )

    async def _start_thread(self, channel_id: str, message_id: str, name: str) -> None:
        route = Route(
            "POST",
            "/channels/{channel_id}/messages/{message_id}/threads",
            channel_id=checked(channel_id),
            message_id=message_id,
        )
        try:
            await self.rest.call(route, json={"name": name})
        except discord.HTTPException as error:
            if error.code != THREAD_ALREADY_EXISTS:  # a retry, or a member opened it first
                raise
        self.remember(message_id, channel_id)

    async def _starter_name(self, channel_id: str, message_id: str) -> str:
        """A thread opened late is named after its first message, as it would have been."""
        route = Route(
            "GET",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=message_id,
        )
        try:
            data = await self.rest.call(route)
        except (discord.HTTPException, ChatError):
            data = {}
        embeds = data.get("embeds") or [{}]
        text = embeds[0].get("title") or data.get("content") or ""
        return thread_name(Message(lines=(), title=(plain(text),)))

    async def _is_forum(self, channel_id: str) -> bool:
        return await self._kind(channel_id) in _FORUMS

    async def _kind(self, channel_id: str) -> discord.ChannelType:
        cached = self.client.get_channel(int(checked(channel_id)))
        if cached is not None:
            return cached.type
        if channel_id not in self._kinds:
            data = await self.rest.call(
                Route("GET", "/channels/{channel_id}", channel_id=channel_id)
            )
            self._kinds[channel_id] = discord.enums.try_enum(discord.ChannelType, data["type"])
        return self._kinds[channel_id]


def _recognisable(message: dict[str, Any]) -> tuple:
    """What identifies a post by its content: its text and its embeds' titles and texts."""
    embeds = tuple(
        (embed.get("title") or "", embed.get("description") or "")
        for embed in message.get("embeds") or []
    )
    return (message.get("content") or "", embeds)

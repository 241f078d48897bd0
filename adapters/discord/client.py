"""The running bot: discord.py's client, the command tree, and the gateway events the core needs.

Intents, and why each one:

- ``guilds``: servers, channels, threads and roles in the cache (forum tags,
  Manage Server from roles, which channel is a thread);
- ``guild_messages``: replies in question and prompt threads (``MESSAGE_CREATE``);
- ``message_content`` (privileged, enabled in the developer portal): the text of
  those replies, which is what an answer or a practice share is;
- ``guild_reactions``: helpful, accepted, me-too, bookmark and upvote reactions;
- ``emojis_and_stickers`` (Discord's ``GUILD_EXPRESSIONS``): the server's custom emoji,
  so that the bot can react with one when a community chose it as its helpful emoji.

Interactions (commands, buttons, forms) need no intent. Members' lists and
presences are not needed: organisers are recognised from each event's own data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import Any

import discord
from discord.http import Route

from adapters.discord import reconcile, translate
from adapters.discord.chat import DiscordChat
from adapters.discord.interactions import Interactions
from adapters.discord.lanes import Lanes
from adapters.discord.links import jump_url
from adapters.discord.settings import DiscordSettings
from adapters.discord.tree import build_tree
from bot.commands import Command
from bot.delivery.pacing import RateLimits
from bot.errors import ConfigError
from bot.ports import ChatError, Handler
from bot.replies import Message

log = logging.getLogger(__name__)

RATE_LIMIT_WAIT_MAX = 30.0  # seconds; discord.py's smallest allowed
# Gateway events handled at once. SQLite takes one writer at a time and PostgreSQL a pool
# of connections (5 + 10 by default), which interactions and deliveries share too.
WORKERS = 8
REACTIONS_PAGE = 100  # Discord's largest page of reaction users


def intents() -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True
    wanted.guild_reactions = True
    wanted.emojis_and_stickers = True
    return wanted


def use_api_url(url: str) -> None:
    """Send every REST call, interaction replies included, to ``url`` (Discord, or a shared proxy).

    discord.py builds each request's URL from ``Route.BASE``, one value for the process:
    a process runs one Discord bot, so this is the one place where the base can change.
    """
    Route.BASE = url.rstrip("/")


def token_of(settings: DiscordSettings) -> str:
    token = settings.token.get_secret_value().strip() if settings.token else ""
    if not token:
        raise ConfigError(
            "discord.token: missing; set ENTRAIDE_DISCORD__TOKEN to the bot's token "
            "(Discord developer portal → your application → Bot → Reset Token)"
        )
    return token


class EntraideClient(discord.AutoShardedClient):
    """discord.py's client, sharded as configured (or as Discord recommends), that never pings."""

    def __init__(self, adapter: DiscordAdapter, settings: DiscordSettings) -> None:
        super().__init__(
            intents=intents(),
            shard_ids=settings.shard_ids,
            shard_count=settings.shard_count,
            allowed_mentions=discord.AllowedMentions.none(),
            max_messages=None,  # raw events need no message cache
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            # Longer rate limits are not waited out in a handler: the core retries later.
            max_ratelimit_timeout=RATE_LIMIT_WAIT_MAX,
        )
        self.adapter = adapter
        self.tree = build_tree(self)

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        super().dispatch(event, *args, **kwargs)
        # Called as the gateway event is parsed: the adapter reads its position right now.
        self.adapter.on_event(event, *args)

    async def run_slash_command(
        self, interaction: discord.Interaction, name: str, options: dict[str, Any]
    ) -> None:
        await self.adapter.run(self.adapter.interactions.slash_command(interaction, name, options))

    async def run_save_resource(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        await self.adapter.run(self.adapter.interactions.save_resource(interaction, message))

    async def run_accept_answer(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        await self.adapter.run(self.adapter.interactions.accept_answer(interaction, message))


class DiscordAdapter:
    """The ``bot.ports.Adapter`` for Discord: one bot token, any number of servers."""

    platform = "discord"
    # Discord allows a bot 50 requests a second, and about 5 messages per 5 s in a channel:
    # the runtime spreads the core's scheduled posts under these before discord.py has to wait.
    rate_limits = RateLimits(per_second=45.0, per_channel_per_second=1.0)

    def __init__(
        self,
        entraide: Handler,
        settings: DiscordSettings,
        *,
        request_timeout: float = 10.0,
        retry_delays: Sequence[float] = (1.0, 4.0),
        workers: int = WORKERS,
    ) -> None:
        self._token = token_of(settings)
        use_api_url(settings.api_url)
        self.entraide = entraide
        self.client = EntraideClient(self, settings)
        self.chat = DiscordChat(self.client, timeout=request_timeout, retry_delays=retry_delays)
        self.interactions = Interactions(entraide, self.chat)
        # Interactions, each in its own task: Discord wants an answer within 3 s, and members
        # click at human pace. Gateway events wait in their lanes for a worker instead.
        self._work: set[asyncio.Task[None]] = set()
        self._events = Lanes(workers)
        self._accepting = True
        self._logged_in = False
        self._gateway: asyncio.Task[None] | None = None
        self._reconciling: asyncio.Task[int] | None = None

    def message_link(self, community_id: str, channel_id: str, message_id: str) -> str | None:
        """A message's jump URL, for the web pages (a forum's kind is known once posted to)."""
        forum = self.chat.known_kind(channel_id) == discord.ChannelType.forum
        return jump_url(community_id, channel_id, message_id, forum)

    @property
    def connected(self) -> bool:
        """Ready, with every shard's gateway open (what ``/healthz`` reports)."""
        shards = self.client.shards.values()
        return self.client.is_ready() and all(not shard.is_closed() for shard in shards)

    async def login(self) -> None:
        """Log in over REST: the bot can post, but takes no event until ``start``."""
        self._logged_in = True
        await self.client.login(self._token)

    async def start(self) -> None:
        """Log in, connect to the gateway in the background, and return once the bot is ready."""
        try:
            await self.login()
            self._gateway = asyncio.create_task(self.client.connect(), name="discord-gateway")
            ready = asyncio.create_task(self.client.wait_until_ready())
            await asyncio.wait({ready, self._gateway}, return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                ready.cancel()
                self._gateway.result()  # why the gateway stopped: a bad token, a missing intent…
                raise ConnectionError("the Discord gateway closed before the bot was ready")
        except BaseException:
            await self.client.close()  # no session left open behind a failed start
            raise
        log.info(
            "connected to Discord as %s, in %d server(s)", self.client.user, len(self.client.guilds)
        )
        self.reconcile_in_background()

    async def stop(self) -> None:
        """Take no more events, let those already taken finish, then disconnect.

        A reconciliation still reading reactions is cancelled; a reaction it already
        handed to the core is tracked work like any event, and finishes.
        """
        self._accepting = False
        if self._reconciling is not None:
            self._reconciling.cancel()
            await asyncio.gather(self._reconciling, return_exceptions=True)
        await self.drain()
        if self._logged_in:  # discord.py can close only a client it has set up
            await self.client.close()
        if self._gateway is not None:
            await asyncio.gather(self._gateway, return_exceptions=True)

    async def drain(self) -> None:
        """Wait until every event taken so far has been handled."""
        while self._work or self._events.backlog:
            await asyncio.gather(*self._work, self._events.drain(), return_exceptions=True)

    @property
    def backlog(self) -> int:
        """Gateway events received and not yet handled (``entraide_event_backlog``)."""
        return self._events.backlog

    async def run(self, work: Coroutine[Any, Any, None]) -> None:
        """Do ``work`` as a tracked task (so that ``stop`` waits for it), unless stopping."""
        if not self._accepting:
            work.close()
            return
        await self._spawn(work)

    async def replay(self, payload: dict[str, Any]) -> None:
        """Answer an interaction kept and deferred by an instance that never answered it."""
        await self.run(self.interactions.answer(payload))

    def reconcile_in_background(self) -> asyncio.Task[int] | None:
        """Start :meth:`reconcile_reactions` (once ready), unless it is running or the bot stops."""
        if not self._accepting:
            return None
        if self._reconciling is None or self._reconciling.done():
            self._reconciling = asyncio.create_task(
                self.reconcile_reactions(), name="discord-reconcile-reactions"
            )
        return self._reconciling

    @property
    def accepting(self) -> bool:
        """False once ``stop`` began: no new work is taken."""
        return self._accepting

    async def replay_reaction(
        self, event: discord.RawReactionActionEvent, member: discord.abc.User | None
    ) -> bool:
        """A reaction read back from Discord, handled as its live event would be, with no key.

        It is tracked work like an event: cancelling the caller does not cut it short,
        and ``stop`` waits for it. False, and nothing done, once the bot is stopping.
        """
        if not self._accepting:
            return False
        await asyncio.shield(self._spawn(self.reacted(event, member, None)))
        return True

    async def reconcile_reactions(self) -> int:
        """Hand the core the reactions added while the bot was offline; return how many.

        Server after server (see :mod:`adapters.discord.reconcile`); one failing never
        stops the others, and ``stop`` cancels what is left.
        """
        total = 0
        for guild in list(self.client.guilds):
            if not self._accepting:
                break
            try:
                total += await reconcile.Reconciliation(self, guild).run()
            except Exception:
                log.exception("reconciling reactions in discord:%s failed", guild.id)
        return total

    def on_event(self, event: str, *args: Any) -> None:
        """Called by the client for every gateway event, as it is parsed."""
        if not self._accepting:
            return
        match event, args:
            case "interaction", (discord.Interaction() as interaction,):
                self._spawn(self.interactions.component_or_form(interaction))
            case "message", (discord.Message() as message,):
                self._events.add(
                    (message.guild and message.guild.id, message.channel.id),
                    self._message(message),
                )
            case "raw_reaction_add" | "raw_reaction_remove", (
                discord.RawReactionActionEvent() as reaction,
            ):
                self._events.add(
                    (reaction.guild_id, reaction.channel_id),
                    self._reaction(reaction, self._gateway_key(reaction.guild_id)),
                )
            case "raw_reaction_clear" | "raw_reaction_clear_emoji", (cleared,):
                # A moderator's clear: Discord does not say whose reactions went, so all their marks go.
                self._events.add(
                    (cleared.guild_id, cleared.channel_id),
                    self.entraide.handle(translate.reactions_cleared(cleared)),
                )

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(_logged(work))
        self._work.add(task)
        task.add_done_callback(self._work.discard)
        return task

    def _gateway_key(self, guild_id: int | None) -> str | None:
        """The event's position on its shard's gateway session: what a RESUME replays unchanged.

        Discord gives reactions no id of their own. A key made of (message, member, emoji)
        would also swallow a member's legitimate add → remove → add; the session and
        sequence number identify this very delivery, so only a replay of it is dropped.
        Without a session (events parsed outside a connection) there is no key, and the
        core's marks, unique per (message, member, kind), still make a replay count once.
        """
        try:
            ws = self.client._get_websocket(guild_id)
        except (KeyError, TypeError):
            return None
        if ws is None or ws.session_id is None or ws.sequence is None:
            return None
        return f"gateway:{ws.session_id}:{ws.sequence}"

    async def _message(self, message: discord.Message) -> None:
        command = translate.message_posted(message)
        if command is None:
            return
        self.chat.remember(command.message_id, command.channel_id)
        await self._deliver(command, await self.entraide.handle(command))

    async def _reaction(self, event: discord.RawReactionActionEvent, key: str | None) -> None:
        own = self.client.user.id if self.client.user else None
        member: discord.abc.User | None = event.member
        if member is None and event.user_id != own:
            member = await self.member(event.guild_id, event.user_id)
        await self.reacted(event, member, key)

    async def reacted(
        self,
        event: discord.RawReactionActionEvent,
        member: discord.abc.User | None,
        key: str | None,
    ) -> None:
        """A reaction by ``member`` (who reacted, when known) to the core, and its reply out."""
        own = self.client.user.id if self.client.user else None
        command = translate.reaction(event, member, own, key)
        if command is None:
            return
        self.chat.remember(command.message_id, command.channel_id)
        await self._deliver(command, await self.entraide.handle(command))

    async def member(self, guild_id: int | None, user_id: int) -> discord.Member | None:
        """Who removed a reaction: Discord does not say, and Manage Server decides what it undoes.

        Also who reacted while the bot was offline (:mod:`adapters.discord.reconcile`).
        """
        guild = self.client.get_guild(guild_id) if guild_id else None
        if guild is None:
            return None
        try:
            return guild.get_member(user_id) or await guild.fetch_member(user_id)
        except discord.HTTPException as error:
            log.info("member %s of discord:%s not found: %s", user_id, guild_id, error)
            return None

    async def _deliver(self, command: Command, reply: Message | None) -> None:
        """A reply to a message or a reaction: there is no interaction, so a private one is a DM."""
        if reply is None:
            return
        actor = command.actor
        try:
            if reply.private:
                await self.chat.send_private(actor.community_id, actor.member_id, reply)
            else:
                await self.chat.post(actor.community_id, command.channel_id, reply)
        except ChatError as error:
            log.info("could not tell %s in %s: %s", actor.member_id, actor.community_id, error)


async def _logged(work: Coroutine[Any, Any, None]) -> None:
    try:
        await work
    except Exception:
        log.exception("handling a Discord event failed")

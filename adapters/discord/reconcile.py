"""Reactions added while the bot was offline, read back at start for the questions still open.

The core names, for a community, the messages whose reactions count, with which
emoji (``Entraide.reactions_to_reconcile``: its most recent open questions' cards with
the me-too emoji, and their answers with the helpful emoji). Who reacted is read from
Discord a page at a time, and each member's reaction is handled as a live
``MESSAGE_REACTION_ADD`` would be (same actor, same path), without a gateway key: the
core's marks are unique per (message, member, kind), so a reaction already counted
stays counted once, and reading the same reactions twice changes nothing.

"Within reason": at most :data:`QUESTIONS` questions per server and
:data:`USERS_PER_MESSAGE` users per message, one REST call at a time (discord.py
paces them under Discord's rate limits), only normal reactions of the exact emoji
(not super reactions, not other skin tones). A message that cannot be read (403, 404,
or any other failure) is logged and skipped; the others are still read.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import discord

from adapters.discord import emoji, translate
from adapters.discord.chat import DiscordChat
from bot.domain import ReactionTarget
from bot.ports import ChatError, Handler


class Replaying(Protocol):
    """What a reconciliation needs of the adapter (``DiscordAdapter``)."""

    chat: DiscordChat
    client: discord.Client

    @property
    def entraide(self) -> Handler: ...

    @property
    def accepting(self) -> bool: ...

    async def member(self, guild_id: int | None, user_id: int) -> discord.Member | None: ...

    async def replay_reaction(
        self, event: discord.RawReactionActionEvent, member: discord.abc.User | None
    ) -> bool: ...


log = logging.getLogger(__name__)

QUESTIONS = 200  # the most recent open questions of each server
USERS_PER_MESSAGE = 1000  # who reacted, per message: then the rest is left
PAGE = 100  # Discord's largest page of reaction users


class Reconciliation:
    """One server's reconciliation: where each message lives, who reacted, handed to the core."""

    def __init__(self, adapter: Replaying, guild: discord.Guild) -> None:
        self.adapter = adapter
        self.guild = guild
        self.community = translate.community_id(guild.id)
        self.own = adapter.client.user.id if adapter.client.user else None
        self.members: dict[int, discord.Member | None] = {}  # each member fetched once
        self.replayed = self.unreadable = 0

    async def run(self) -> int:
        """Replay the server's reactions; return how many were handed to the core."""
        targets = await self.adapter.entraide.reactions_to_reconcile(self.community, QUESTIONS)
        for target in targets:
            message = target.message_id
            if not self.adapter.accepting:
                break
            try:
                await self._target(target)
            except (discord.Forbidden, discord.NotFound) as error:
                self.unreadable += 1
                log.info(
                    "reactions on message %s in %s not readable (HTTP %s): skipped",
                    message,
                    self.community,
                    error.status,
                )
            except (discord.HTTPException, ChatError, LookupError) as error:
                self.unreadable += 1
                log.warning(
                    "could not read reactions on message %s in %s: %s",
                    message,
                    self.community,
                    error,
                )
            except Exception:
                self.unreadable += 1
                log.exception(
                    "reading reactions on message %s in %s failed", message, self.community
                )
        log.info(
            "reconciled reactions in %s: %d replayed, from %d message(s) of open questions "
            "(%d unreadable)",
            self.community,
            self.replayed,
            len(targets),
            self.unreadable,
        )
        return self.replayed

    async def _target(self, target: ReactionTarget) -> None:
        """Read one message's reactions where it lives.

        An answer lives in its question's thread, whose id is the question's message id;
        a question's card lives in the help channel, or in its post when that is a forum.
        """
        if target.thread_id is not None:
            where, is_card = target.thread_id, False
        elif await self.adapter.chat.is_forum(target.channel_id):
            where, is_card = target.message_id, True
        else:
            where, is_card = target.channel_id, True
        reaction = emoji.outgoing(target.emoji, self.guild)
        await self._read(where, target.message_id, reaction, is_card)

    async def _read(self, channel: str, message: str, reaction: str, is_card: bool) -> None:
        after: str | None = None
        seen = 0
        while True:
            users = await self.adapter.chat.reaction_users(
                channel, message, reaction, after=after, limit=PAGE
            )
            for user in users:
                await self._replay(channel, message, reaction, is_card, user)
            seen += len(users)
            if len(users) < PAGE:
                return
            if seen >= USERS_PER_MESSAGE:
                log.info(
                    "stopped reading reactions on message %s in %s after %d users",
                    message,
                    self.community,
                    seen,
                )
                return
            after = str(users[-1]["id"])

    async def _replay(
        self, channel: str, message: str, reaction: str, is_card: bool, user: dict[str, Any]
    ) -> None:
        user_id = int(user["id"])
        if user.get("bot") or user_id == self.own:
            return  # the bot's own reactions, and other bots', count for nothing
        if user_id not in self.members:
            self.members[user_id] = await self.adapter.member(self.guild.id, user_id)
        data: dict[str, Any] = {
            "user_id": user_id,
            "type": 0,
            "message_id": message,
            "channel_id": channel,
            "guild_id": self.guild.id,
            "burst": False,
        }
        if is_card and self.own is not None:
            data["message_author_id"] = self.own  # a question card is the bot's own message
        event = discord.RawReactionActionEvent(
            data,  # type: ignore[arg-type]
            discord.PartialEmoji.from_str(reaction),
            "REACTION_ADD",
        )
        event.member = self.members[user_id]
        if await self.adapter.replay_reaction(event, self.members[user_id]):
            self.replayed += 1

"""Forum help channels: a question is a post, tagged like the question, then "solved"."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import discord
from discord.http import Route

from adapters.discord.render import Rendered
from adapters.discord.rest import Rest, checked
from bot.ports import ChatError
from bot.text import fold

log = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(minutes=2)  # Discord's clock and ours may differ: look a little earlier
_SOLVED_TAG_NAMES = {"solved", "resolved", "resolu"}
# A new question's tag when the forum requires one and none is named like the question's.
_OPEN_TAG_NAMES = {"open", "open question", "question", "questions", "ouvert", "ouverte"}
_TAGS_PER_POST = 5  # Discord's limit


class Forums:
    def __init__(self, client: discord.Client, rest: Rest) -> None:
        self.client = client
        self.rest = rest

    async def post(
        self, guild: str, forum_id: str, name: str, rendered: Rendered, tags: list[str]
    ) -> str:
        """A forum post: a thread and its first message in one call, which takes no nonce."""
        since = discord.utils.utcnow()

        async def already_posted() -> dict[str, Any] | None:
            return await self.post_named(guild, forum_id, name, since)

        route = Route("POST", "/channels/{channel_id}/threads", channel_id=checked(forum_id))
        body = {"name": name, "message": rendered.payload(), "applied_tags": tags}
        data = await self.rest.call(route, json=body, took_effect=already_posted)
        return str(data["id"])  # the post's first message has the thread's id

    async def post_named(
        self, guild: str, forum_id: str, name: str, since: datetime
    ) -> dict[str, Any] | None:
        """The bot's own post of that name in a forum, opened since ``since``, if any."""
        active = await self.client.http.request(
            Route("GET", "/guilds/{guild_id}/threads/active", guild_id=guild),
            timeout=self.rest.timeout,
        )
        own = self.client.user.id if self.client.user else None
        after = discord.utils.time_snowflake(since - CLOCK_SKEW)
        return next(
            (
                thread
                for thread in active.get("threads", [])
                if str(thread.get("parent_id")) == forum_id
                and str(thread.get("owner_id")) == str(own)
                and thread.get("name") == name
                and int(thread["id"]) >= after
            ),
            None,
        )

    async def tag_solved(self, forum_id: str, post_id: str, solved: bool) -> None:
        """Apply the forum's "solved" tag to a resolved question's post, remove it otherwise."""
        try:
            tag = await self._solved_tag(forum_id)
            if tag is None:
                return
            post = await self.rest.call(Route("GET", "/channels/{channel_id}", channel_id=post_id))
            applied = [str(tag_id) for tag_id in post.get("applied_tags", [])]
            wanted = [t for t in applied if t != tag] + ([tag] if solved else [])
            if sorted(wanted) != sorted(applied):
                await self.rest.call(
                    Route("PATCH", "/channels/{channel_id}", channel_id=post_id),
                    json={"applied_tags": wanted[-5:]},  # Discord allows five tags per post
                )
        except (discord.HTTPException, ChatError) as error:
            log.warning(
                "could not update the solved tag of post %s in %s: %s", post_id, forum_id, error
            )

    async def _solved_tag(self, forum_id: str) -> str | None:
        tags, _ = await self._forum_tags(forum_id)
        return next((tag_id for tag_id, name in tags if fold(name) in _SOLVED_TAG_NAMES), None)

    async def post_tags(self, forum_id: str, question_tags: Sequence[str]) -> list[str]:
        """The forum's tags for a new question: those named like its tags (``Getting started``
        for #getting-started). A forum that requires a tag gets its "open"/"question" tag, or
        else its first one, when none is named so. Never the solved tag."""
        tags, required = await self._forum_tags(forum_id)
        tags = [
            (tag_id, fold(name)) for tag_id, name in tags if fold(name) not in _SOLVED_TAG_NAMES
        ]
        wanted = {fold(tag) for tag in question_tags}
        chosen = [tag_id for tag_id, name in tags if name.replace(" ", "-") in wanted]
        if chosen or not required or not tags:
            return chosen[:_TAGS_PER_POST]
        return [next((tag_id for tag_id, name in tags if name in _OPEN_TAG_NAMES), tags[0][0])]

    async def _forum_tags(self, forum_id: str) -> tuple[list[tuple[str, str]], bool]:
        """A forum's (tag id, name) list, and whether each post must have a tag."""
        forum = self.client.get_channel(int(forum_id))
        if isinstance(forum, discord.ForumChannel):
            tags = [(str(tag.id), tag.name) for tag in forum.available_tags]
            return tags, forum.flags.require_tag
        data = await self.rest.call(Route("GET", "/channels/{channel_id}", channel_id=forum_id))
        tags = [(str(tag["id"]), tag["name"]) for tag in data.get("available_tags", [])]
        return tags, bool(data.get("flags", 0) & discord.ChannelFlags.require_tag.flag)

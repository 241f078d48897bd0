"""Replies in a thread whose post is not recorded yet."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, select

from bot.commands import Actor, MessagePosted
from storage.sql import Repository
from storage.tables import early_replies

_AUTHOR = ("name", "is_organiser", "locale", "timezone")  # the actor, beyond its ids


class EarlyReplies(Repository):
    async def keep(self, reply: MessagePosted, now: datetime) -> None:
        actor = asdict(reply.actor)
        await self._insert_new(
            early_replies,
            ("community_id", "message_id"),
            {
                "community_id": reply.actor.community_id,
                "message_id": reply.message_id,
                "thread_id": reply.thread_id,
                "channel_id": reply.channel_id,
                "author_id": reply.actor.member_id,
                "author": {name: actor[name] for name in _AUTHOR},
                "text": reply.text,
                "received_at": now,
            },
        )

    async def oldest(self, limit: int = 100) -> list[tuple[MessagePosted, datetime]]:
        rows = await self.conn.execute(
            select(early_replies).order_by(early_replies.c.received_at).limit(limit)
        )
        return [
            (
                MessagePosted(
                    Actor(row.community_id, row.author_id, **row.author),
                    row.channel_id,
                    row.message_id,
                    row.text,
                    thread_id=row.thread_id,
                ),
                row.received_at,
            )
            for row in rows
        ]

    async def drop(self, community_id: str, message_id: str) -> None:
        await self.conn.execute(
            delete(early_replies).where(
                early_replies.c.community_id == community_id,
                early_replies.c.message_id == message_id,
            )
        )

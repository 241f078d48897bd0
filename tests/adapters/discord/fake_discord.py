"""FakeDiscord: a local HTTP and gateway server that speaks Discord's wire format.

It stands where ``discord.api_url`` points, keeps channels, threads and messages
like Discord does (thread ids are their first message's id, nonces are enforced,
a thread cannot be opened twice), records every call, and answers 429, 5xx, 403 or
nothing at all when a test asks. Who reacted to a message is kept per emoji, as
Discord lists it (by user id, a page at a time), and tests can seed it. Its gateway says hello, takes IDENTIFY and RESUME,
and sends events with sequence numbers, so the adapter can be run end to end.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import discord
from aiohttp import WSMsgType, web

from tests.adapters.discord import payloads

API_PREFIX = "/api/v10"
BOT_AUTHOR = {**payloads.load("user_me.json"), "bot": True}
ERRORS = {
    10003: "Unknown Channel",
    10007: "Unknown Member",
    10008: "Unknown Message",
    50001: "Missing Access",
    50013: "Missing Permissions",
    50007: "Cannot send messages to this user",
    160004: "A thread has already been created for this message",
    40067: "A tag is required to create a forum post in this channel",
}
REQUIRE_TAG = 1 << 4  # a forum channel's flag: every post needs a tag


@dataclass
class Call:
    method: str
    path: str
    json: Any
    query: dict[str, str]


@dataclass
class Failure:
    """An answer the fake gives instead of (or after) doing what was asked."""

    method: str
    path: re.Pattern[str]
    status: int
    times: int = 1
    code: int = 0
    after_effect: bool = False  # do it, then fail anyway: the answer is lost, not the request
    hang: bool = False  # never answer (a time-out)
    retry_after: float = 0.01  # for a 429

    def response(self) -> web.Response:
        if self.status == 429:
            # discord.py waits a 429 out only when it comes through Discord's proxy ("Via").
            body = {"message": "You are being rate limited.", "retry_after": self.retry_after}
            headers = {"Via": "1.1 google", "Retry-After": str(self.retry_after)}
            return _json(body | {"global": False}, status=429, headers=headers)
        return _error(self.status, self.code)


@dataclass
class Gateway:
    """The fake's gateway: one session at a time, events numbered as Discord numbers them."""

    url: str = ""
    identified: list[dict[str, Any]] = field(default_factory=list)
    resumed: list[dict[str, Any]] = field(default_factory=list)
    sent: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    replay_on_resume: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    socket: web.WebSocketResponse | None = None
    sequence: int = 0
    session: int = 0
    resumed_event: asyncio.Event = field(default_factory=asyncio.Event)

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        self.sequence += 1
        self.sent.append((self.sequence, event, data))
        await self._send(self.sequence, event, data)
        return self.sequence

    async def ask_to_reconnect(self) -> None:
        """Discord's RECONNECT: the client comes back with a RESUME."""
        self.resumed_event.clear()
        assert self.socket is not None
        await self.socket.send_json({"op": 7, "d": None, "s": None, "t": None})

    async def _send(self, sequence: int | None, event: str, data: Any) -> None:
        assert self.socket is not None
        await self.socket.send_json({"op": 0, "t": event, "s": sequence, "d": data})

    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.socket = socket
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                continue
            message = json.loads(frame.data)
            match message["op"]:
                case 1:
                    await socket.send_json({"op": 11, "d": None, "s": None, "t": None})
                case 2:
                    await self._identify(message["d"])
                case 6:
                    self.resumed.append(message["d"])
                    # Discord replays what it thinks the client missed, with the same numbers.
                    for sequence, event, data in self.replay_on_resume:
                        await self._send(sequence, event, data)
                    await self._send(None, "RESUMED", {})
                    self.resumed_event.set()
        return socket

    async def _identify(self, identify: dict[str, Any]) -> None:
        self.identified.append(identify)
        self.session += 1
        ready = {
            "v": 10,
            "user": payloads.load("user_me.json"),
            "guilds": [{"id": payloads.GUILD, "unavailable": True}],
            "session_id": f"fake-session-{self.session}",
            "resume_gateway_url": self.url,
            "shard": identify.get("shard", [0, 1]),
            "application": {"id": payloads.BOT, "flags": 8953856},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "session_type": "normal",
            "auth": {},
        }
        await self.dispatch("READY", ready)
        await self.dispatch("GUILD_CREATE", payloads.guild())


class FakeDiscord:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.channels: dict[str, dict[str, Any]] = {
            channel["id"]: channel for channel in payloads.guild()["channels"]
        }
        self.messages: dict[str, dict[str, Any]] = {}
        self.reactions: list[tuple[str, str, str]] = []  # the bot's own: (channel, message, emoji)
        self.reactors: dict[tuple[str, str, str], list[dict[str, Any]]] = {}  # who, per emoji
        self.members: dict[str, dict[str, Any]] = {
            member_id: payloads.member(member_id) for member_id in payloads.MEMBERS.values()
        }
        self.gateway = Gateway()
        self._nonces: dict[tuple[str, str], str] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self.hanging = asyncio.Event()  # set when a call is left without an answer
        self.port = 0
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = [
            ("GET", r"/users/@me", self._me),
            ("GET", r"/oauth2/applications/@me", self._application),
            ("GET", r"/gateway/bot", self._gateway_bot),
            ("POST", r"/channels/(?P<channel>\d+)/messages", self._create_message),
            ("POST", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/threads", self._thread),
            ("POST", r"/channels/(?P<channel>\d+)/threads", self._forum_post),
            ("GET", r"/channels/(?P<channel>\d+)", self._get_channel),
            ("PATCH", r"/channels/(?P<channel>\d+)", self._edit_channel),
            ("GET", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self._get_message),
            ("GET", r"/channels/(?P<channel>\d+)/messages", self._list_messages),
            ("PATCH", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self._edit_message),
            (
                "PUT",
                r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/reactions/(?P<emoji>[^/]+)/@me",
                self._react,
            ),
            (
                "GET",
                r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/reactions/(?P<emoji>[^/]+)",
                self._reaction_users,
            ),
            ("POST", r"/users/@me/channels", self._direct_channel),
            ("GET", r"/guilds/(?P<guild>\d+)/members/(?P<member>\d+)", self._member),
            ("GET", r"/guilds/(?P<guild>\d+)/threads/active", self._active_threads),
            ("POST", r"/interactions/(?P<id>\d+)/(?P<token>[^/]+)/callback", self._callback),
            ("PATCH", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/@original", self._reply),
            (
                "DELETE",
                r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/@original",
                self._no_reply,
            ),
            (
                "PUT",
                r"/applications/(?P<app>\d+)(?:/guilds/(?P<guild>\d+))?/commands",
                self._commands,
            ),
        ]

    # -- running ----------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self.gateway.serve)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)  # an ephemeral port
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.gateway.url = f"ws://127.0.0.1:{self.port}/gateway"

    async def close(self) -> None:
        self._closing.set()
        if self.gateway.socket is not None:
            await self.gateway.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    # -- what tests ask for -------------------------------------------------------

    def fail(self, method: str, path: str, status: int, **options: Any) -> None:
        """The next matching call(s) get ``status`` (see :class:`Failure` for the options)."""
        self.failures.append(Failure(method, re.compile(path), status, **options))

    def add_forum_post(self, thread_id: str, forum_id: str) -> None:
        """A post members made in a forum (thread id is its first message's id)."""
        self.channels[thread_id] = _thread(thread_id, forum_id, "A post", payloads.ALICE)

    def add_message(self, channel_id: str, message_id: str, author_id: str, content: str) -> None:
        """A message a member wrote (so that the bot can fetch it)."""
        self.messages[message_id] = _message(message_id, channel_id, content) | {
            "author": payloads.user(author_id)
        }

    def add_reaction(
        self, channel_id: str, message_id: str, emoji: str, member_id: str, bot: bool = False
    ) -> None:
        """A reaction someone added (``emoji`` as Discord's path has it: ``✅`` or ``name:id``)."""
        user = payloads.user(member_id) | ({"bot": True} if bot else {})
        self.reactors.setdefault((channel_id, message_id, emoji), []).append(user)

    def forget_nonces(self) -> None:
        """Discord remembers nonces for a few minutes only: this much time has passed."""
        self._nonces.clear()

    @staticmethod
    def dm_channel(member_id: str) -> str:
        """The id of the bot's DM channel with a member (the fake derives it from the member)."""
        return str(int(member_id) + 7)

    def calls_to(self, method: str, path: str) -> list[Call]:
        pattern = re.compile(path)
        return [c for c in self.calls if c.method == method and pattern.fullmatch(c.path)]

    def posted_in(self, channel_id: str) -> list[dict[str, Any]]:
        """Messages the bot created in a channel or thread, oldest first."""
        return [
            m
            for m in self.messages.values()
            if m["channel_id"] == channel_id and m["author"]["id"] == payloads.BOT
        ]

    def interaction_replies(self, token: str) -> list[Call]:
        return [c for c in self.calls if c.path.startswith(f"/webhooks/{payloads.BOT}/{token}/")]

    def sent_bodies(self) -> list[dict[str, Any]]:
        """Every body that carries a message: sends, edits, forum posts, interaction replies."""
        bodies = []
        for call in self.calls:
            if call.method in ("POST", "PATCH") and isinstance(call.json, dict):
                message = call.json.get("message", call.json)
                if {"content", "embeds"} & message.keys():
                    bodies.append(message)
        return bodies

    # -- the HTTP side ------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path.removeprefix(API_PREFIX)
        body = await request.json() if request.can_read_body else None
        call = Call(request.method, path, body, dict(request.query))
        self.calls.append(call)
        failure = self._failure_for(call)
        if failure is not None and failure.hang and not failure.after_effect:
            self.hanging.set()
            await self._closing.wait()  # no answer until the fake closes
        if failure is not None and not failure.after_effect:
            return failure.response()
        for method, pattern, route in self._routes:
            match = re.fullmatch(pattern, path)
            if method == call.method and match:
                response = route(call, **{k: v for k, v in match.groupdict().items() if v})
                break
        else:
            response = _error(404, 0)
        if failure is not None:
            if failure.hang:
                self.hanging.set()
                await self._closing.wait()
            return failure.response()
        return response

    def _failure_for(self, call: Call) -> Failure | None:
        for failure in self.failures:
            if (
                failure.times
                and failure.method == call.method
                and failure.path.fullmatch(call.path)
            ):
                failure.times -= 1
                return failure
        return None

    def _snowflake(self) -> str:
        return str(discord.utils.time_snowflake(discord.utils.utcnow()) + next(self._ids))

    def _me(self, call: Call) -> web.Response:
        return _json(payloads.load("user_me.json"))

    def _application(self, call: Call) -> web.Response:
        return _json(payloads.load("application.json"))

    def _gateway_bot(self, call: Call) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return _json({"url": self.gateway.url, "shards": 1, "session_start_limit": limit})

    def _create_message(self, call: Call, channel: str) -> web.Response:
        target = self.channels.get(channel)
        if target is None:
            return _error(404, 10003)
        if target["type"] in (15, 16):
            return _error(400, 0)  # a forum takes posts, not messages
        nonce = call.json.get("nonce")
        if call.json.get("enforce_nonce") and (channel, nonce) in self._nonces:
            return _json(self.messages[self._nonces[channel, nonce]])
        message = _message(self._snowflake(), channel, call.json.get("content", ""), call.json)
        self.messages[message["id"]] = message
        if nonce:
            self._nonces[channel, nonce] = message["id"]
        return _json(message)

    def _thread(self, call: Call, channel: str, message: str) -> web.Response:
        if message in self.channels:
            return _error(400, 160004)
        if self.messages.get(message, {}).get("channel_id") != channel:
            return _error(404, 10008)
        self.channels[message] = _thread(message, channel, call.json["name"], payloads.BOT)
        return _json(self.channels[message])

    def _forum_post(self, call: Call, channel: str) -> web.Response:
        forum = self.channels.get(channel, {})
        if forum.get("type") not in (15, 16):
            return _error(400, 0)
        applied = [str(tag) for tag in call.json.get("applied_tags", [])]
        if forum.get("flags", 0) & REQUIRE_TAG and not applied:
            return _error(400, 40067)
        post_id = self._snowflake()
        self.channels[post_id] = _thread(post_id, channel, call.json["name"], payloads.BOT) | {
            "applied_tags": applied
        }
        first = _message(
            post_id, post_id, call.json["message"].get("content", ""), call.json["message"]
        )
        self.messages[post_id] = first
        return _json(self.channels[post_id] | {"message": first})

    def _get_channel(self, call: Call, channel: str) -> web.Response:
        if channel not in self.channels:
            return _error(404, 10003)
        return _json(self.channels[channel])

    def _edit_channel(self, call: Call, channel: str) -> web.Response:
        self.channels[channel].update(call.json)
        return _json(self.channels[channel])

    def _list_messages(self, call: Call, channel: str) -> web.Response:
        """Newest first, after a snowflake; as Discord's REST gives them, without their nonce."""
        if channel not in self.channels:
            return _error(404, 10003)
        after = int(call.query.get("after", 0))
        found = [
            m for m in self.messages.values() if m["channel_id"] == channel and int(m["id"]) > after
        ]
        found.sort(key=lambda m: int(m["id"]), reverse=True)
        return _json(found[: int(call.query.get("limit", 50))])

    def _get_message(self, call: Call, channel: str, message: str) -> web.Response:
        found = self.messages.get(message)
        if found is None or found["channel_id"] != channel:
            return _error(404, 10008)
        return _json(found)

    def _edit_message(self, call: Call, channel: str, message: str) -> web.Response:
        found = self.messages.get(message)
        if found is None or found["channel_id"] != channel:
            return _error(404, 10008)
        found.update({k: v for k, v in call.json.items() if k != "allowed_mentions"})
        return _json(found)

    def _react(self, call: Call, channel: str, message: str, emoji: str) -> web.Response:
        found = self.messages.get(message)
        if found is None or found["channel_id"] != channel:
            return _error(404, 10008)
        self.reactions.append((channel, message, unquote(emoji)))
        users = self.reactors.setdefault((channel, message, unquote(emoji)), [])
        if all(user["id"] != payloads.BOT for user in users):
            users.append(BOT_AUTHOR)
        return web.Response(status=204)

    def _reaction_users(self, call: Call, channel: str, message: str, emoji: str) -> web.Response:
        if channel not in self.channels:
            return _error(404, 10003)
        found = self.messages.get(message)
        if found is None or found["channel_id"] != channel:
            return _error(404, 10008)
        limit = int(call.query.get("limit", 25))
        if not 1 <= limit <= 100:
            return _error(400, 0)
        after = int(call.query.get("after", 0))
        users = sorted(self.reactors.get((channel, message, unquote(emoji)), []), key=_id)
        return _json([user for user in users if int(user["id"]) > after][:limit])

    def _direct_channel(self, call: Call) -> web.Response:
        channel_id = self.dm_channel(call.json["recipient_id"])
        self.channels[channel_id] = {
            "id": channel_id,
            "type": 1,
            "recipients": [payloads.user(call.json["recipient_id"])],
            "last_message_id": None,
            "flags": 0,
        }
        return _json(self.channels[channel_id])

    def _member(self, call: Call, guild: str, member: str) -> web.Response:
        if member not in self.members:
            return _error(404, 10007)
        return _json(self.members[member])

    def _active_threads(self, call: Call, guild: str) -> web.Response:
        threads = [c for c in self.channels.values() if c["type"] in (10, 11, 12)]
        return _json({"threads": threads, "members": []})

    def _callback(self, call: Call, id: str, token: str) -> web.Response:
        loading = call.json["type"] == 5
        interaction = {
            "id": id,
            "type": 2,
            "response_message_id": id if loading else None,
            "response_message_loading": loading,
            "response_message_ephemeral": bool(call.json.get("data", {}).get("flags", 0) & 64),
        }
        return _json({"interaction": interaction, "resource": {"type": call.json["type"]}})

    def _reply(self, call: Call, app: str, token: str) -> web.Response:
        return _json(_message(self._snowflake(), "0", call.json.get("content", ""), call.json))

    def _no_reply(self, call: Call, app: str, token: str) -> web.Response:
        return web.Response(status=204)

    def _commands(self, call: Call, app: str, guild: str | None = None) -> web.Response:
        registered = [
            {"description": "", "options": []}  # what Discord fills in for a message menu
            | command
            | {"id": self._snowflake(), "application_id": app, "version": "1"}
            | ({"guild_id": guild} if guild else {})
            for command in call.json
        ]
        return _json(registered)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py decodes a body only when its type is exactly "application/json", as Discord sends it.
    headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=headers)


def _id(user: dict[str, Any]) -> int:
    return int(user["id"])


def _error(status: int, code: int) -> web.Response:
    message = ERRORS.get(code, {403: "Forbidden", 404: "Not Found"}.get(status, "Server error"))
    return _json({"message": message, "code": code}, status=status)


def _message(
    message_id: str, channel_id: str, content: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    body = body or {}
    return {
        "id": message_id,
        "channel_id": channel_id,
        "type": 0,
        "content": content,
        "embeds": body.get("embeds", []),
        "components": body.get("components", []),
        "author": BOT_AUTHOR,
        "attachments": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "flags": 0,
        "timestamp": "2026-11-23T08:00:00.000000+00:00",
        "edited_timestamp": None,
    }


def _thread(thread_id: str, parent_id: str, name: str, owner_id: str) -> dict[str, Any]:
    thread = payloads.load("thread_create.json")
    thread.pop("newly_created")
    thread.pop("member")
    return thread | {
        "id": thread_id,
        "parent_id": parent_id,
        "name": name,
        "owner_id": owner_id,
        "applied_tags": [],
    }

"""FakeSlack: a local Slack speaking the real wire format, for the adapter's tests.

- the Web API methods the adapter uses, on ``/api/<method>`` (form or JSON
  bodies, ``Authorization: Bearer``), checking Block Kit limits as Slack does;
- ``response_url`` hooks on ``/hooks/<n>``;
- a Socket Mode WebSocket on ``/socket`` (``apps.connections.open`` gives its URL),
  which sends envelopes and collects their acknowledgements.

Every call is recorded; failures (429 with Retry-After, 5xx, Slack errors,
connection resets, hangs) are queued per method with :meth:`FakeSlack.fail`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

TEAM = "T0TEAM"
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
BOT_USER = "U0BOT"
BOT_ID = "B0BOT"
WAIT_SECONDS = 5


@dataclass
class Call:
    method: str
    params: dict
    ok: bool = True


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    reset: bool = False  # drop the connection without an answer
    hang: bool = False  # never answer (the client times out)
    applied: bool = False  # do what was asked first: only the answer is lost


@dataclass
class Channel:
    id: str
    name: str
    member: bool = True
    private: bool = False
    archived: bool = False
    messages: list[dict] = field(default_factory=list)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.hooks: list[dict] = []  # what was posted to response_urls
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, dict] = {}
        self.reactions: set[tuple[str, str, str]] = set()
        self.acks: dict[str, asyncio.Future] = {}
        self.socket_connected = asyncio.Event()
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._last_ts = 0.0
        self._hook_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._socket: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None
        self._hanging = asyncio.Event()
        self.port = 0

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        server = web.Application()
        server.router.add_route("*", "/api/{method}", self._api)
        server.router.add_post("/hooks/{hook}", self._hook)
        server.router.add_get("/socket", self._websocket)
        self._runner = web.AppRunner(server, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._hanging.set()
        if self._socket is not None:
            await self._socket.close()
        await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def hook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{next(self._hook_ids)}"

    # -- test set-up -----------------------------------------------------------

    def add_channel(self, channel_id: str, name: str, **kw) -> Channel:
        self.channels[channel_id] = Channel(channel_id, name, **kw)
        return self.channels[channel_id]

    def add_user(
        self, user_id: str, name: str, admin: bool = False, locale: str = "en-US", **kw
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM,
            "name": name.lower(),
            "is_admin": admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_bot": False,
            "locale": locale,
            "profile": {"display_name": name, "real_name": name},
            **kw,
        }

    def fail(self, method: str, times: int = 1, **failure) -> None:
        """The next ``times`` calls of ``method`` fail this way."""
        for _ in range(times):
            self._failures[method].append(Failure(**failure))

    def member_message(
        self, channel_id: str, user_id: str, text: str, thread_ts: str | None = None
    ) -> dict:
        """A member writes in a channel (or a thread): stored, and returned as Slack's event."""
        message = {"type": "message", "user": user_id, "text": text, "ts": self._new_ts()}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.channels[channel_id].messages.append(message)
        return {**message, "channel": channel_id, "event_ts": message["ts"]}

    # -- what happened ---------------------------------------------------------

    def called(self, method: str, ok: bool | None = True) -> list[dict]:
        return [c.params for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def posts(self, channel_id: str | None = None) -> list[dict]:
        return [p for p in self.called("chat.postMessage") if channel_id in (None, p["channel"])]

    def message(self, channel_id: str, ts: str) -> dict:
        return next(m for m in self.channels[channel_id].messages if m["ts"] == ts)

    async def wait_for(self, method: str, count: int = 1, ok: bool | None = True) -> list[dict]:
        """Wait until ``method`` was called ``count`` times (never a fixed sleep)."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.called(method, ok)) >= count),
                WAIT_SECONDS,
            )
        return self.called(method, ok)

    async def wait_for_hook(self, count: int = 1) -> list[dict]:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.hooks) >= count), WAIT_SECONDS
            )
        return self.hooks

    async def send_envelope(self, envelope: dict, timeout: float = WAIT_SECONDS) -> dict:
        """Send a Socket Mode envelope and wait (at most ``timeout`` s) for the app's acknowledgement."""
        await asyncio.wait_for(self.socket_connected.wait(), timeout)
        ack = self.acks[envelope["envelope_id"]] = asyncio.get_running_loop().create_future()
        await self._socket.send_str(json.dumps(envelope))
        return await asyncio.wait_for(ack, timeout)

    # -- the wire ----------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await _params(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        call = Call(method, params)
        failure = self._failures[method].popleft() if self._failures[method] else None
        if failure is not None:
            if failure.applied:
                getattr(self, "_" + method.replace(".", "_"))(params)
            call.ok = False
            await self._record(call)
            if failure.reset:
                request.transport.close()
                return web.Response()
            if failure.hang:
                await self._hanging.wait()
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            if failure.status >= 500:
                return web.Response(status=failure.status, text="<html>oops</html>")
            error = failure.error or ("ratelimited" if failure.status == 429 else "fatal_error")
            return web.json_response(
                {"ok": False, "error": error}, status=failure.status, headers=headers
            )
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            call.ok = False
            await self._record(call)
            return web.json_response({"ok": False, "error": "invalid_auth"})
        try:
            result = getattr(self, "_" + method.replace(".", "_"))(params)
        except SlackError as error:
            call.ok = False
            await self._record(call)
            return web.json_response({"ok": False, "error": str(error)})
        await self._record(call)
        return web.json_response({"ok": True, **result})

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    async def _hook(self, request: web.Request) -> web.Response:
        self.hooks.append(await request.json())
        async with self._changed:
            self._changed.notify_all()
        return web.Response(text="ok")

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        self.socket_connected.set()
        async for frame in socket:
            if frame.type == WSMsgType.TEXT:
                ack = json.loads(frame.data)
                waiting = self.acks.get(ack.get("envelope_id"))
                if waiting is not None and not waiting.done():
                    waiting.set_result(ack)
        return socket

    # -- Web API methods -------------------------------------------------------

    def _new_ts(self) -> str:
        """Like Slack's: the time of the post, unique in the workspace, always increasing."""
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _channel(self, channel_id: str, writing: bool = False) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise SlackError("channel_not_found")
        if writing and channel.archived:
            raise SlackError("is_archived")
        if not channel.member:
            raise SlackError("not_in_channel")
        return channel

    def _auth_test(self, params: dict) -> dict:
        return {"team_id": TEAM, "team": "Fake", "user_id": BOT_USER, "bot_id": BOT_ID}

    def _apps_connections_open(self, params: dict) -> dict:
        return {"url": f"ws://127.0.0.1:{self.port}/socket"}

    def _users_info(self, params: dict) -> dict:
        user = self.users.get(params["user"])
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user}

    def _chat_postMessage(self, params: dict) -> dict:
        check_message(params)
        channel = self._channel(params["channel"], writing=True)
        message = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "ts": self._new_ts(),
            "text": params.get("text", ""),
            "blocks": params.get("blocks", []),
        }
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        if params.get("metadata"):
            metadata = params["metadata"]
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        channel.messages.append(message)
        return {"channel": channel.id, "ts": message["ts"], "message": message}

    def _chat_update(self, params: dict) -> dict:
        check_message(params)
        channel = self._channel(params["channel"], writing=True)
        found = next((m for m in channel.messages if m["ts"] == params["ts"]), None)
        if found is None:
            raise SlackError("message_not_found")
        found.update(text=params.get("text", ""), blocks=params.get("blocks", []))
        return {"channel": channel.id, "ts": found["ts"]}

    def _chat_postEphemeral(self, params: dict) -> dict:
        check_message(params)
        self._channel(params["channel"], writing=True)
        return {"message_ts": self._new_ts()}

    def _chat_getPermalink(self, params: dict) -> dict:
        channel = self._channel(params["channel"])
        ts = params["message_ts"]
        return {
            "channel": channel.id,
            "permalink": f"https://fake.slack.com/archives/{channel.id}/p{ts.replace('.', '')}",
        }

    def _reactions_add(self, params: dict) -> dict:
        channel = self._channel(params["channel"])
        key = (channel.id, params["timestamp"], params["name"])
        if key in self.reactions:
            raise SlackError("already_reacted")
        self.reactions.add(key)
        return {}

    def _conversations_open(self, params: dict) -> dict:
        user = params["users"]
        if user not in self.users:
            raise SlackError("user_not_found")
        channel = self.channels.get(f"D{user}") or self.add_channel(f"D{user}", user)
        return {"channel": {"id": channel.id}}

    def _conversations_join(self, params: dict) -> dict:
        channel = self.channels.get(params["channel"])
        if channel is None:
            raise SlackError("channel_not_found")
        if channel.private:
            raise SlackError("method_not_supported_for_channel_type")
        channel.member = True
        return {"channel": {"id": channel.id}}

    def _conversations_history(self, params: dict) -> dict:
        channel = self._channel(params["channel"])
        latest = float(params.get("latest") or "inf")
        oldest = float(params.get("oldest") or 0)
        top_level = [
            m
            for m in channel.messages
            if m.get("thread_ts") in (None, m["ts"]) and oldest <= float(m["ts"]) <= latest
        ]
        limit = int(params.get("limit") or 100)
        return {"messages": [_shown(m, params) for m in reversed(top_level)][:limit]}

    def _conversations_replies(self, params: dict) -> dict:
        channel = self._channel(params["channel"])
        found = next((m for m in channel.messages if m["ts"] == params["ts"]), None)
        if found is None:
            raise SlackError("thread_not_found")
        root = found.get("thread_ts") or found["ts"]
        thread = [m for m in channel.messages if m["ts"] == root or m.get("thread_ts") == root]
        oldest = float(params.get("oldest") or 0)
        parent, replies = thread[0], [m for m in thread[1:] if float(m["ts"]) >= oldest]
        shown = [_shown(m, params) for m in (parent, *replies)]
        return {"messages": shown[: int(params.get("limit") or 1000)]}

    def _views_open(self, params: dict) -> dict:
        view = params["view"]
        if len(view["title"]["text"]) > 24 or len(view.get("private_metadata", "")) > 3000:
            raise SlackError("invalid_arguments")
        return {"view": {"id": "V0VIEW", **view}}


def _shown(message: dict, params: dict) -> dict:
    """A message as the history methods return it: metadata only when asked for."""
    if str(params.get("include_all_metadata")).lower() in ("true", "1"):
        return message
    return {k: v for k, v in message.items() if k != "metadata"}


class SlackError(Exception):
    """A Web API refusal: ``{"ok": false, "error": <code>}``."""


def check_message(params: dict) -> None:
    """Slack's limits on a message: it refuses, it does not cut."""
    if params.get("link_names") or params.get("parse") == "full":
        raise AssertionError("the adapter must never make Slack turn text into mentions")
    if len(params.get("text", "")) > 40_000:
        raise SlackError("msg_too_long")
    blocks = params.get("blocks") or []
    if not params.get("text") and not blocks:
        raise SlackError("no_text")
    if len(blocks) > 50:
        raise SlackError("invalid_blocks")
    total = 0
    for block in blocks:
        if block["type"] == "section":
            text = block["text"]["text"]
            if not 0 < len(text) <= 3000:
                raise SlackError("invalid_blocks")
            total += len(text)
        elif block["type"] == "actions":
            elements = block["elements"]
            action_ids = [element["action_id"] for element in elements]
            if len(elements) > 25 or len(set(action_ids)) != len(action_ids):
                raise SlackError("invalid_blocks")
            for element in elements:
                if len(element["text"]["text"]) > 75 or len(element.get("value", "")) > 2000:
                    raise SlackError("invalid_blocks")
                total += len(element["text"]["text"])
        elif block["type"] == "context":
            total += sum(len(element["text"]) for element in block["elements"])
    if total > 12_000:
        raise SlackError("msg_blocks_too_long")


async def _params(request: web.Request) -> dict:
    """Parameters as Slack reads them: query string, then a form or a JSON body."""
    params: dict = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        params.update(await request.post())
    for key in ("blocks", "view"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params

"""SlackAdapter: the core over Slack's HTTP mode (:mod:`adapters.slack.http`) or Socket Mode
(bolt's AsyncApp).

Every request is kept in the database, then acknowledged (Slack gives up after 3 s
and retries events), then its real work goes to a task the adapter tracks, so that
``stop()`` lets in-flight work finish. What Slack was told it
received is never lost: a request whose instance died before handling it, or that
found too many already waiting, is replayed by a scheduler tick. The adapter
translates and delivers; the core decides.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import links, modal, translate
from adapters.slack.chat import SlackChat
from adapters.slack.http import Endpoint, context
from adapters.slack.members import Members
from adapters.slack.settings import SlackSettings
from bot.clock import Clock, SystemClock
from bot.commands import Command
from bot.delivery.pacing import RateLimits
from bot.errors import ConfigError
from bot.ports import ChatError, Handler
from bot.replies import Message
from bot.specs import COMMANDS

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Handlers running at once. The database takes one writer at a time (SQLite) or
# a pool of connections (PostgreSQL): more in flight only delays the acks.
WORKERS = 8
# Acknowledged requests waiting for a handler, at most: beyond, a request waits in the
# database only (kept, not handled) until a scheduler tick replays it. Memory stays bounded.
WAITING_MAX = 1000
WARN_EVERY = 10.0  # seconds between two warnings that requests wait in the database


def required_secrets(settings: SlackSettings) -> dict[str, str]:
    """The secrets the chosen mode needs, or a ConfigError naming the variables to set."""
    needed = {"bot_token": settings.bot_token}
    if settings.mode == "socket":
        needed["app_token"] = settings.app_token
    else:
        needed["signing_secret"] = settings.signing_secret
    secrets = {name: value.get_secret_value() if value else "" for name, value in needed.items()}
    missing = [name for name, value in secrets.items() if not value.strip()]
    if missing:
        variables = ", ".join(f"ENTRAIDE_SLACK__{name.upper()}" for name in missing)
        raise ConfigError(
            f"slack: {settings.mode} mode needs {', '.join(missing)}; set {variables}"
        )
    return secrets


class SlackAdapter:
    platform = "slack"
    # chat.postMessage allows about one message a second per channel (short bursts aside);
    # the runtime spreads the core's posts under that, and the whole under
    # ``slack.posts_per_second`` (the default here).
    rate_limits = RateLimits(per_second=50.0, per_channel_per_second=1.0)

    def __init__(
        self,
        entraide: Handler,
        settings: SlackSettings,
        clock: Clock | None = None,
        chat: SlackChat | None = None,
    ) -> None:
        self._secrets = required_secrets(settings)
        self.rate_limits = replace(SlackAdapter.rate_limits, per_second=settings.posts_per_second)
        self.entraide = entraide
        self.settings = settings
        self.chat = chat or SlackChat(self._secrets["bot_token"], settings.api_url)
        self.members = Members(self.chat, clock or SystemClock())
        self.port: int | None = None  # HTTP mode: the port bound (settings.port, or any when 0)
        self._identity: dict | None = None
        self._work: set[asyncio.Task] = set()
        self._slots = asyncio.Semaphore(WORKERS)
        self._overflowed = 0
        self._warned_at = float("-inf")
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        """Check the token, then listen (Socket Mode connection, or the HTTP endpoint)."""
        try:
            self._identity = await self.chat.identify()
        except ChatError as error:
            raise ConfigError(
                f"slack: the bot token was refused ({error}); check ENTRAIDE_SLACK__BOT_TOKEN"
            ) from None
        if self.settings.mode == "http":
            await self._serve_http()
        else:
            await self._connect_socket()
        log.info(
            "slack adapter started in %s mode for team %s",
            self.settings.mode,
            self._identity.get("team_id"),
        )

    async def stop(self) -> None:
        """Stop taking events, let the acknowledged work finish, disconnect."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.drain()
        await self.chat.close()

    async def drain(self) -> None:
        """Wait until the work already acknowledged is done."""
        while self._work:
            await asyncio.gather(*self._work, return_exceptions=True)

    def message_link(self, community_id: str, channel_id: str, message_id: str) -> str | None:
        """A message's permalink, for the web pages (the workspace's address from auth.test)."""
        return links.permalink((self._identity or {}).get("url"), message_id)

    @property
    def backlog(self) -> int:
        """Requests acknowledged and not yet handled in this process (``entraide_event_backlog``);
        those beyond ``WAITING_MAX`` wait in the database for a tick, and are not counted here."""
        return len(self._work)

    @property
    def connected(self) -> bool:
        if self._socket is not None:
            session = self._socket.client.current_session
            return session is not None and not session.closed
        return self._runner is not None

    async def _serve_http(self) -> None:
        endpoint = Endpoint(self, self._secrets["signing_secret"], EVENTS_PATH)
        # aiohttp's low-level server: one path, no router or middlewares to go through.
        self._runner = web.ServerRunner(web.Server(endpoint.handle), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.host, self.settings.port).start()
        self.port = self._runner.addresses[0][1]

    async def _connect_socket(self) -> None:
        self._socket = AsyncSocketModeHandler(
            self._bolt_app(), self._secrets["app_token"], web_client=self.chat.client, logger=log
        )
        try:
            # Asked here rather than by the SDK so that a bad app token fails start, clearly.
            self._socket.client.wss_uri = await self.chat.socket_url(self._secrets["app_token"])
        except ChatError as error:
            await self._socket.close_async()
            raise ConfigError(
                f"slack: Socket Mode was refused ({error}); check ENTRAIDE_SLACK__APP_TOKEN"
            ) from None
        await self._socket.connect_async()

    # -- bolt wiring (Socket Mode) --------------------------------------------

    def _bolt_app(self) -> AsyncApp:
        # Bolt passes arguments by parameter name, which bound methods confuse: closures here.
        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            # auth.test was asked once at start, never in the way of an acknowledgement.
            identity = self._identity or {}
            return AuthorizeResult(
                enterprise_id=enterprise_id,
                team_id=team_id,
                bot_user_id=identity.get("user_id"),
                bot_id=identity.get("bot_id"),
                bot_token=self._secrets["bot_token"],
            )

        app = AsyncApp(
            # Token-less: bolt only copies its base URL; our calls go through SlackChat.
            client=AsyncWebClient(base_url=self.chat.client.base_url),
            authorize=authorize,
            # Socket Mode messages come over an authenticated WebSocket: nothing to sign.
            request_verification_enabled=False,
            # Our listeners return as soon as the request is kept: bolt answers right after,
            # with no polling for the acknowledgement.
            process_before_response=True,
            logger=log,
        )
        for command in COMMANDS:
            app.command(f"/{command.name}")(self._acked(self._command))
        app.view(modal.CALLBACK_ID)(self._acked(self._ask_form))
        app.action(re.compile(".+"))(self._acked(self._buttons))
        for event in ("message", "reaction_added", "reaction_removed"):
            # event_id makes Slack's retries no-ops.
            app.event(event)(self._acked(self._event))
        return app

    def _acked(self, work: Callable[[dict], Coroutine[Any, Any, bool]]):
        """A listener that keeps the request, acknowledges it, then does ``work`` in a task."""

        async def listener(ack: AsyncAck, body: dict) -> None:
            # Kept before the acknowledgement: if this fails (the database is away), Slack is
            # not told it was received, and retries.
            fresh = await self.receive(body)
            await ack()  # Slack retries, or shows an error, after 3 s without it
            if fresh:
                self.start_work(work, body)

        return listener

    # -- every request: kept, acknowledged, then worked on --------------------

    async def receive(self, body: dict) -> bool:
        """Keep the request; False for a redelivery of one already kept."""
        key = translate.receipt_key(body)
        if key is None:
            return True
        kept = {name: value for name, value in body.items() if name != "token"}  # a legacy secret
        return await self.entraide.receive("slack", translate.community_id(body), key, kept)

    def from_self(self, body: dict) -> bool:
        """An event about the bot's own messages or reactions: nothing to keep or do."""
        event = body.get("event")
        bot_user_id = (self._identity or {}).get("user_id")
        return isinstance(event, dict) and translate.from_bot(event, bot_user_id)

    def start_work(self, work: Callable[[dict], Coroutine[Any, Any, bool]], body: dict) -> None:
        if len(self._work) >= WAITING_MAX:
            # Under a flood, a warning per request would cost more than keeping it: one
            # every WARN_EVERY seconds says how many went to the database meanwhile.
            self._overflowed += 1
            now = time.monotonic()
            if now >= self._warned_at + WARN_EVERY:
                log.warning(
                    "slack: %d requests waiting; %d more wait in the database for a tick",
                    len(self._work),
                    self._overflowed,
                    extra=context(translate.community_id(body), translate.kind(body)),
                )
                self._warned_at, self._overflowed = now, 0
            return
        task = asyncio.create_task(self._guarded(work, body))
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    async def replay(self, body: dict) -> None:
        """Handle a request kept earlier and never handled (its instance died, or was full)."""
        work = self.work_for(body)
        if work is not None:
            await self._guarded(work, body)

    def work_for(self, body: dict) -> Callable[[dict], Coroutine[Any, Any, bool]] | None:
        if body.get("command"):
            return self._command
        return {
            "view_submission": self._ask_form,
            "block_actions": self._buttons,
            "event_callback": self._event,
        }.get(body.get("type") or "")

    async def _guarded(self, work: Callable[[dict], Coroutine[Any, Any, bool]], body: dict) -> None:
        """Run ``work`` when a slot is free, then mark the request handled; log, never raise,
        what goes wrong (the request stays kept, and a tick replays it)."""
        try:
            async with self._slots:
                marked = await work(body)
            key = translate.receipt_key(body)
            # Most are marked handled by the core, with their effect; the rest here.
            if key is not None and not marked:
                await self.entraide.handled(translate.community_id(body), key)
        except Exception:
            what = translate.kind(body)
            community_id = translate.community_id(body)
            log.exception(
                "slack: %s in %s failed", what, community_id, extra=context(community_id, what)
            )

    # -- the work, after the acknowledgement --------------------------------
    # Each returns whether the core was handed a command under the request's key: the core
    # then marked the request handled in the command's own unit of work.

    @staticmethod
    def _marked(command: Command) -> bool:
        return not command.actor.is_bot  # the core ignores bots' commands, unmarked

    async def _command(self, body: dict) -> bool:
        member = await self.members.get(body["user_id"], body.get("user_name", ""))
        if translate.opens_modal(body):
            form = modal.ask_modal(member.locale, body["channel_id"], body.get("response_url"))
            try:
                await self.chat.open_view(body["trigger_id"], form)
            except ChatError as error:  # e.g. the trigger expired (3 s) while Slack was slow
                log.warning(
                    "slack: could not open the /ask form for %s: %s",
                    member.id,
                    error,
                    extra=context(translate.community_id(body), "/ask"),
                )
            return False
        command = translate.slash_command(body, member)
        log.info(
            "%s from %s in %s",
            body.get("command"),
            member.id,
            command.actor.community_id,
            extra=context(command.actor.community_id, body.get("command")),
        )
        reply = await self.entraide.handle(command)
        await self._deliver(reply, command, body.get("response_url"))
        return self._marked(command)

    async def _ask_form(self, body: dict) -> bool:
        member = await self.members.get(body["user"]["id"])
        form = modal.submission(body.get("view") or {})
        command = translate.ask(body, member, form)
        await self._deliver(await self.entraide.handle(command), command, form.response_url)
        return self._marked(command)

    async def _buttons(self, body: dict) -> bool:
        member = await self.members.get(body["user"]["id"])
        presses = translate.button_presses(body, member)
        for press in presses:
            reply = await self.entraide.handle(press)
            await self._deliver(reply, press, body.get("response_url"))
        # The first press carries the request's key.
        return (
            bool(presses)
            and presses[0].event_key == translate.receipt_key(body)
            and (self._marked(presses[0]))
        )

    async def _event(self, body: dict) -> bool:
        event = body.get("event") or {}
        member_id = translate.acting_member(event)
        if member_id is None:
            return False
        bot_user_id = (self._identity or {}).get("user_id")
        if translate.from_bot(event, bot_user_id):
            return False  # the core would ignore it: spare the Web API calls
        member = await self.members.get(member_id)
        names = await self.members.names(translate.mentioned_ids(event.get("text") or ""))
        command = translate.event(body, member, bot_user_id, names)
        if command is None:
            return False
        await self._deliver(await self.entraide.handle(command), command, None)
        return self._marked(command)

    async def _deliver(
        self, reply: Message | None, command: Command, response_url: str | None
    ) -> None:
        """The reply to whoever acted: private ones by ``response_url``, else as an ephemeral message."""
        if reply is None:
            return
        actor = command.actor
        try:
            if not reply.private:
                await self.chat.post(actor.community_id, command.channel_id, reply)
            elif not (response_url and await self.chat.respond(response_url, reply)):
                await self.chat.post_ephemeral(command.channel_id, actor.member_id, reply)
        except ChatError as error:
            log.warning(
                "slack: could not reply to %s in %s/%s: %s",
                actor.member_id,
                actor.community_id,
                command.channel_id,
                error,
                extra=context(actor.community_id, type(command).__name__),
            )

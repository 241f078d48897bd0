"""Slack's HTTP mode: each request verified, kept, acknowledged, then handed to its work.

Slack waits for the acknowledgement (3 s, then it retries or shows an error), so
only what must come first is done before it: Slack's signature and its 5-minute
window (``slack_sdk``'s ``SignatureVerifier``, what bolt itself uses), the body
read as bolt reads it, and the request kept in the database. Profiled under load,
bolt's dispatch (its request object, middleware chain, listener matching and argument
injection) took more of each request than the keeping, and none of it is needed to
acknowledge: the work is routed as a replayed request is (``SlackAdapter.replay``),
once acknowledged. An acknowledgement now costs about half the CPU of a bare bolt
app's that does nothing else (``benchmarks/slack_http.py``). Socket Mode, whose
messages come over an authenticated WebSocket, still goes through bolt.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol
from urllib.parse import parse_qsl

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from adapters.slack import translate

log = logging.getLogger(__name__)

TIMESTAMP = "X-Slack-Request-Timestamp"
SIGNATURE = "X-Slack-Signature"


def context(community_id: str, what: str | None) -> dict[str, str]:
    """Log context, as the runtime's JSON lines show it."""
    return {"platform": "slack", "community": community_id, "command": what or "?"}


def parsed(raw: str, content_type: str) -> dict:
    """The request's fields as bolt reads them: JSON, a form, or an interaction's
    ``payload`` field. Only a field named ``payload`` is one: ``/ask what is payload=?``
    stays a command (bolt looks for the word anywhere in the body)."""
    if not raw:
        return {}
    if content_type == "application/json" or raw.startswith("{"):
        return json.loads(raw)
    fields = _form(raw)
    payload = fields.get("payload")
    return json.loads(payload) if payload is not None and "command" not in fields else fields


def _form(raw: str | bytes) -> dict:
    if isinstance(raw, bytes):
        raw = raw.decode(errors="replace")
    return dict(parse_qsl(raw, keep_blank_values=True))


Work = Callable[[dict], Coroutine[Any, Any, bool]]


class Receiving(Protocol):
    """What the endpoint asks of the adapter (``adapters.slack.app.SlackAdapter``)."""

    def work_for(self, body: dict) -> Work | None:
        """The work a request asks for; None when nothing listens to it."""

    def from_self(self, body: dict) -> bool:
        """Whether the request is about the bot's own message."""

    async def receive(self, body: dict) -> bool:
        """Keep the request; False for a redelivery of one already kept."""

    def start_work(self, work: Work, body: dict) -> None:
        """Start a kept request's work, once it is acknowledged."""


class Endpoint:
    """``POST /slack/events`` (``path``): events, commands and interactions all arrive here."""

    def __init__(self, adapter: Receiving, signing_secret: str, path: str) -> None:
        self.adapter = adapter
        self.verifier = SignatureVerifier(signing_secret)
        self.path = path

    def signed(self, raw: bytes, request: web.BaseRequest) -> bool:
        try:
            return self.verifier.is_valid(
                raw, request.headers.get(TIMESTAMP), request.headers.get(SIGNATURE)
            )
        except ValueError:  # a timestamp that is no number
            return False

    async def handle(self, request: web.BaseRequest) -> web.Response:
        if request.path != self.path:
            return web.Response(status=404)
        if request.method != "POST":
            return web.Response(status=405, headers={"Allow": "POST"})
        raw = await request.read()
        if not self.signed(raw, request):
            # Slack checking the certificate of a command's URL is answered, as bolt does;
            # it asks for nothing.
            ssl_check = request.content_type != "application/json" and b"ssl_check=1" in raw
            return (
                web.Response(status=200)
                if ssl_check and _form(raw).get("ssl_check") == "1"
                else web.json_response({"error": "invalid request"}, status=401)
            )
        try:
            body = parsed(raw.decode(), request.content_type)
        except ValueError:  # not UTF-8, not JSON
            return web.Response(status=400)
        if not isinstance(body, dict):
            return web.Response(status=400)
        if body.get("ssl_check") == "1":
            return web.Response(status=200)
        if body.get("type") == "url_verification":  # Slack checking the events URL
            return web.json_response({"challenge": body.get("challenge")})
        work = self.adapter.work_for(body)
        if work is None:
            return web.Response(status=404)  # nothing here listens to it (bolt says the same)
        if self.adapter.from_self(body):
            return web.Response(status=200)  # the bot's own messages: nothing to keep
        try:
            # Kept before the acknowledgement: if this fails (the database is away), Slack
            # is not told it was received, and sends it again.
            fresh = await self.adapter.receive(body)
        except Exception:
            log.exception(
                "slack: a request could not be kept, so it is not acknowledged",
                extra=context(translate.community_id(body), translate.kind(body)),
            )
            return web.Response(status=500)
        if fresh:
            self.adapter.start_work(work, body)
        return web.Response(status=200)

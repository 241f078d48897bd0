"""Requests as Slack sends them: recorded payloads (tests/fixtures/slack) filled in, signed, posted.

Slash commands and interactions are form-encoded (interactions as one
``payload=<json>`` field), events are JSON; each carries
``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` (v0, HMAC-SHA256 of
``v0:<timestamp>:<body>`` with the signing secret).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

FIXTURES = Path(__file__).parents[2] / "fixtures" / "slack"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

_ids = itertools.count(1)


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def slash_command(command: str, text: str, user: str, channel: str, response_url: str) -> dict:
    body = fixture("slash_command")
    number = next(_ids)
    body.update(
        command=command,
        text=text,
        user_id=user,
        user_name=user.lower(),
        channel_id=channel,
        response_url=response_url,
        trigger_id=f"{number}.738474920.8088930838d88f008e0",
    )
    return body


def message_event(message: dict, event_id: str | None = None) -> dict:
    """An ``event_callback`` envelope around a message (as FakeSlack.member_message returns it)."""
    body = fixture("event_message_thread_reply")
    body["event"] = {"team": body["team_id"], "channel_type": "channel", **message}
    body["event_id"] = event_id or f"Ev{next(_ids):08d}"
    return body


def reaction_event(
    user: str,
    channel: str,
    ts: str,
    emoji: str,
    item_user: str | None,
    added: bool = True,
    event_id: str | None = None,
) -> dict:
    body = fixture("event_reaction_added")
    event = body["event"]
    event.update(
        type="reaction_added" if added else "reaction_removed",
        user=user,
        reaction=emoji,
        item={"type": "message", "channel": channel, "ts": ts},
        item_user=item_user,
    )
    body["event_id"] = event_id or f"Ev{next(_ids):08d}"
    return body


def button_press(user: str, channel: str, message_ts: str, button: dict, response_url: str) -> dict:
    """A ``block_actions`` payload for one of the buttons the adapter rendered."""
    body = fixture("block_actions")
    body["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0TEAM"}
    body["channel"] = {"id": channel, "name": "channel"}
    body["container"].update(channel_id=channel, message_ts=message_ts)
    body["message"]["ts"] = message_ts
    body["response_url"] = response_url
    body["trigger_id"] = f"{next(_ids)}.1395872398.abcdefg"
    action = copy.deepcopy(body["actions"][0])
    action.update(
        action_id=button["action_id"],
        value=button["value"],
        text=button["text"],
        action_ts=f"{1_700_000_300 + next(_ids)}.000400",
    )
    body["actions"] = [action]
    return body


def ask_form(
    user: str,
    private_metadata: str,
    title: str,
    details: str = "",
    tags: str = "",
    anonymous: bool = False,
) -> dict:
    """A ``view_submission`` of the /ask modal."""
    body = fixture("view_submission")
    body["user"]["id"] = user
    body["trigger_id"] = f"{next(_ids)}.1395872398.hijklmn"
    view = body["view"]
    view["private_metadata"] = private_metadata
    values = view["state"]["values"]
    values["question"]["value"]["value"] = title
    values["details"]["value"]["value"] = details or None
    values["tags"]["value"]["value"] = tags or None
    values["anonymous"]["value"]["selected_options"] = (
        [{"text": {"type": "plain_text", "text": "Ask without your name"}, "value": "anonymous"}]
        if anonymous
        else []
    )
    return body


def socket_envelope(payload: dict, kind: str) -> dict:
    """A Socket Mode envelope, as Slack pushes it over the WebSocket: ``slash_commands``,
    ``events_api`` or ``interactive`` around the payload HTTP mode would have posted."""
    envelope = {
        "envelope_id": str(uuid.uuid4()),
        "payload": payload,
        "type": kind,
        "accepts_response_payload": kind != "events_api",
    }
    if kind == "events_api":
        envelope |= {"retry_attempt": 0, "retry_reason": ""}
    return envelope


def signature(body: str, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return "v0=" + digest.hexdigest()


class SignedRequests:
    """Posts to the adapter's ``/slack/events`` exactly as Slack would."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        await self.session.close()

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: str | None = None,
        signed_with: str = SIGNING_SECRET,
        headers: dict | None = None,
    ) -> tuple[int, str]:
        timestamp = timestamp or str(int(time.time()))
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature(body, timestamp, signed_with),
            **(headers or {}),
        }
        sent = {name: value for name, value in sent.items() if value is not None}
        async with self.session.post(self.url, data=body.encode(), headers=sent) as response:
            return response.status, await response.text()

    async def command(self, fields: dict, **kw) -> tuple[int, str]:
        return await self.post(urlencode(fields), "application/x-www-form-urlencoded", **kw)

    async def event(self, envelope: dict, retry_num: int | None = None, **kw) -> tuple[int, str]:
        headers = (
            {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
            if retry_num
            else {}
        )
        return await self.post(json.dumps(envelope), "application/json", headers=headers, **kw)

    async def interaction(self, payload: dict, **kw) -> tuple[int, str]:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

"""Slack payloads → core commands: slash commands, modal submissions, buttons, events.

Pure functions of the payload and of what ``users.info`` said about the member
(:class:`Member`), so that each shape Slack sends is tested from a recorded
fixture. Ids given to the core: communities ``slack:<team>``, messages and
threads ``<channel>:<ts>`` (a ``ts`` is only unique within its channel).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.slack.render import action_of
from bot.commands import (
    Actor,
    Ask,
    ButtonPressed,
    Command,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    SlashCommand,
)

# Ordinary messages, thread replies also sent to the channel, messages with a file.
MEMBER_MESSAGE_SUBTYPES = {None, "thread_broadcast", "file_share"}

_MARKUP = re.compile(r"<([^<>]*)>")


@dataclass(frozen=True)
class Member:
    """What Slack says about a member (``users.info``)."""

    id: str
    name: str = ""
    is_organiser: bool = False  # workspace admin or owner
    is_bot: bool = False
    locale: str | None = None
    timezone: str | None = None  # ``tz``, an IANA name: quiet hours follow it


@dataclass(frozen=True)
class AskForm:
    """The /ask modal's fields and where it was opened from."""

    channel_id: str
    response_url: str | None
    title: str
    details: str
    tags: str
    anonymous: bool


def community_id(body: Mapping) -> str:
    """``slack:<team>`` from any payload: events and commands say ``team_id``, interactions ``team``."""
    team = (
        body.get("team_id")
        or (body.get("team") or {}).get("id")
        or (body.get("user") or {}).get("team_id")
    )
    return f"slack:{team}"


def message_id(channel_id: str, ts: str) -> str:
    return f"{channel_id}:{ts}"


def split_message_id(message_id: str) -> tuple[str, str]:
    """``C0123:1700000000.000100`` → (channel, ts)."""
    channel_id, _, ts = message_id.partition(":")
    return channel_id, ts


def actor(body: Mapping, member: Member, is_bot: bool = False) -> Actor:
    return Actor(
        community_id(body),
        member.id,
        member.name or member.id,
        is_organiser=member.is_organiser,
        is_bot=is_bot or member.is_bot,
        locale=member.locale,
        timezone=member.timezone,
    )


def decode(text: str, names: Mapping[str, str] | None = None, keep_channels: bool = False) -> str:
    """Slack's markup as the plain words a member typed.

    ``<https://x|x>`` → the URL, ``<@U1>`` → ``@name``, ``<#C1|help>`` → ``#help``
    (kept as is with ``keep_channels``, for settings that take a channel), and
    ``&lt;`` → ``<``. Special mentions (``<!here>``, ``<!subteam^…>``) stay as they
    are, so that the core refuses them in what it stores and the renderer shows
    them inert.
    """
    names = names or {}

    def plain(match: re.Match) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if not target:
            return match.group(0)
        if target.startswith("@"):
            return "@" + (label or names.get(target[1:]) or target[1:])
        if target.startswith("#"):
            return match.group(0) if keep_channels else "#" + (label or target[1:])
        if target.startswith("!date^"):
            return label
        if target.startswith("!"):
            return match.group(0)
        if target.startswith("mailto:"):
            return label or target[len("mailto:") :]
        return target

    # Slack escapes exactly these three; undone last, so that no markup can come from them.
    decoded = _MARKUP.sub(plain, text)
    return decoded.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mentioned_ids(text: str) -> set[str]:
    """Member ids mentioned without a label (events): their names are looked up."""
    return {
        inner[1:] for inner in _MARKUP.findall(text) if inner.startswith("@") and "|" not in inner
    }


def receipt_key(body: Mapping) -> str | None:
    """The key a request is kept under when it arrives: the key of the command it becomes,
    so that handling it marks it handled."""
    if body.get("command"):
        return body.get("trigger_id")
    if body.get("type") == "view_submission":
        return body.get("trigger_id") or (body.get("view") or {}).get("id")
    if body.get("type") == "block_actions":
        actions, user = body.get("actions") or [], (body.get("user") or {}).get("id")
        return f"{actions[0].get('action_ts')}:{user}" if actions and user else None
    return body.get("event_id")


def kind(body: Mapping) -> str | None:
    """What a request is, for the logs: its command, its event's type, or its own type."""
    return body.get("command") or (body.get("event") or {}).get("type") or body.get("type")


def opens_modal(body: Mapping) -> bool:
    """``/ask`` with no text opens the form instead of asking."""
    return body.get("command") == "/ask" and not (body.get("text") or "").strip()


def slash_command(body: Mapping, member: Member) -> SlashCommand:
    name = (body.get("command") or "").lstrip("/").lower()
    # The trigger id is unique per invocation: Slack gives commands no event id.
    return SlashCommand(
        actor(body, member),
        body["channel_id"],
        name,
        decode(body.get("text") or "", keep_channels=name == "entraide").strip(),
        event_key=body.get("trigger_id"),
    )


def ask(body: Mapping, member: Member, form: AskForm) -> Ask:
    return Ask(
        actor(body, member),
        form.channel_id,
        form.title,
        form.details,
        (form.tags,) if form.tags else (),
        form.anonymous,
        event_key=body.get("trigger_id") or (body.get("view") or {}).get("id"),
    )


def button_presses(body: Mapping, member: Member) -> list[ButtonPressed]:
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    return [
        ButtonPressed(
            actor(body, member),
            channel_id,
            action_of(action.get("action_id", "")),
            action.get("value", ""),
            event_key=f"{action.get('action_ts')}:{member.id}",
        )
        for action in body.get("actions") or []
        if action.get("type") == "button"
    ]


def acting_member(event: Mapping) -> str | None:
    """Who acted in an event the core wants; None for every other event (edits, joins, files)."""
    if event.get("type") == "message":
        if event.get("subtype") not in MEMBER_MESSAGE_SUBTYPES or event.get("hidden"):
            return None
        return event.get("user")
    if event.get("type") in ("reaction_added", "reaction_removed"):
        if (event.get("item") or {}).get("type") != "message":
            return None
        return event.get("user")
    return None


def from_bot(event: Mapping, bot_user_id: str | None) -> bool:
    return bool(event.get("bot_id")) or (
        bot_user_id is not None and event.get("user") == bot_user_id
    )


def event(
    body: Mapping, member: Member, bot_user_id: str | None, names: Mapping[str, str]
) -> Command | None:
    """A member's message or reaction; ``event_id`` is the key that makes redeliveries no-ops."""
    event = body.get("event") or {}
    if acting_member(event) is None:
        return None
    who = actor(body, member, is_bot=from_bot(event, bot_user_id))
    key = body.get("event_id")
    if event["type"] == "message":
        channel_id, ts = event["channel"], event["ts"]
        thread_ts = event.get("thread_ts")
        return MessagePosted(
            who,
            channel_id,
            message_id(channel_id, ts),
            decode(event.get("text") or "", names),
            thread_id=message_id(channel_id, thread_ts) if thread_ts and thread_ts != ts else None,
            event_key=key,
        )
    item = event["item"]
    kind = ReactionAdded if event["type"] == "reaction_added" else ReactionRemoved
    return kind(
        who,
        item["channel"],
        message_id(item["channel"], item["ts"]),
        event.get("reaction", ""),
        message_author_id=event.get("item_user"),
        event_key=key,
    )

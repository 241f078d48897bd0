"""Commands: what adapters hand to the core, one frozen dataclass per kind of event.

Each carries who acted, where, and a de-duplication key when the platform gives
one (Slack ``event_id``, Discord interaction or message id): the core records
processed keys so that an event delivered twice has one effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    community_id: str
    member_id: str
    name: str = ""
    is_organiser: bool = False
    is_bot: bool = False
    locale: str | None = None  # the member's own locale when the platform gives one
    timezone: str | None = None  # the member's IANA zone when the platform gives one (Slack)


@dataclass(frozen=True)
class SlashCommand:
    """``/ask``, ``/share``, ``/resources``, ``/search`` or ``/entraide``: with its free text
    (Slack, the console), or with the options a platform typed (Discord), named as the
    command's spec names them (``bot.specs``)."""

    actor: Actor
    channel_id: str
    name: str
    text: str = ""
    event_key: str | None = None
    options: Mapping[str, object] | None = None


@dataclass(frozen=True)
class Ask:
    """A question with its fields already separated (a modal's submission)."""

    actor: Actor
    channel_id: str
    title: str
    details: str = ""
    tags: tuple[str, ...] = ()
    anonymous: bool = False
    event_key: str | None = None


@dataclass(frozen=True)
class MessagePosted:
    """A member's message in a channel, or in the thread whose root is ``thread_id``."""

    actor: Actor
    channel_id: str
    message_id: str
    text: str
    thread_id: str | None = None
    event_key: str | None = None


@dataclass(frozen=True)
class ReactionAdded:
    actor: Actor
    channel_id: str
    message_id: str
    emoji: str
    message_author_id: str | None = None  # when the platform says who wrote the message
    event_key: str | None = None


@dataclass(frozen=True)
class ReactionRemoved:
    actor: Actor
    channel_id: str
    message_id: str
    emoji: str
    message_author_id: str | None = None
    event_key: str | None = None


@dataclass(frozen=True)
class ButtonPressed:
    actor: Actor
    channel_id: str
    action: str
    value: str
    event_key: str | None = None


@dataclass(frozen=True)
class AcceptAnswer:
    """Accept the answer that is message ``message_id`` (a platform menu on a message)."""

    actor: Actor
    channel_id: str
    message_id: str
    event_key: str | None = None


@dataclass(frozen=True)
class ReactionsCleared:
    """A moderator removed every reaction of a message, or every one of ``emoji``.

    Platforms do not say whose reactions went, so there is no actor: the marks go with them.
    """

    community_id: str
    channel_id: str
    message_id: str
    emoji: str | None = None
    event_key: str | None = None


Command = (
    SlashCommand
    | Ask
    | MessagePosted
    | ReactionAdded
    | ReactionRemoved
    | ButtonPressed
    | AcceptAnswer
)


_KINDS: dict[str, type] = {
    kind.__name__: kind
    for kind in (
        SlashCommand,
        Ask,
        MessagePosted,
        ReactionAdded,
        ReactionRemoved,
        ButtonPressed,
        AcceptAnswer,
    )
}


def command_to_json(command: Command) -> dict[str, Any]:
    """A command as JSON, for an adapter that keeps what it acknowledged in order to replay it
    (``Entraide.receive``) when it has no platform payload of its own to keep."""
    return {"kind": type(command).__name__} | asdict(command)


def command_from_json(data: dict[str, Any]) -> Command:
    """The command :func:`command_to_json` wrote."""
    values = {name: value for name, value in data.items() if name != "kind"}
    values["actor"] = Actor(**values["actor"])
    if "tags" in values:  # JSON has lists only
        values["tags"] = tuple(values["tags"])
    return _KINDS[data["kind"]](**values)

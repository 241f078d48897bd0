"""Gateway payloads as Discord sends them, from the recorded fixtures in ``tests/fixtures/discord``.

Each builder copies a fixture and changes only what a test is about (who, where, what),
so every event keeps the full shape discord.py parses.
"""

from __future__ import annotations

import copy
import itertools
import json
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[2] / "fixtures" / "discord"

GUILD = "1180000000000000001"
OWNER = "1180000000000000002"
BOT = "1180000000000000100"
HELP = "1180000000000000010"
GENERAL = "1180000000000000011"
RESOURCES = "1180000000000000012"
FORUM = "1180000000000000013"
SOLVED_TAG = "1180000000000000014"
ORGANISER_ROLE = "1180000000000000020"
PARTYPARROT = "1180000000000000030"
MEMBERS = {
    "alice": "1180000000000000201",
    "bob": "1180000000000000202",
    "carol": "1180000000000000203",
    "dave": "1180000000000000204",
    "olga": "1180000000000000205",  # has the organisers' role (Manage Server)
}
ALICE, BOB, CAROL, DAVE, OLGA = MEMBERS.values()
NAMES = {member_id: name for name, member_id in MEMBERS.items()}
MEMBER_PERMISSIONS = "68672"  # view, send, react, read history
ORGANISER_PERMISSIONS = "68704"  # the same and Manage Server

_ids = itertools.count(1180000000000005000)


def load(name: str) -> dict[str, Any]:
    return copy.deepcopy(_read(name))


@cache
def _read(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def snowflake() -> str:
    return str(next(_ids))


def guild() -> dict[str, Any]:
    return load("guild_create.json")


def user(member_id: str) -> dict[str, Any]:
    base = load("interaction_slash_command.json")["member"]["user"]
    name = NAMES.get(member_id, "someone")
    return base | {"id": member_id, "username": name, "global_name": name.capitalize()}


def member(member_id: str) -> dict[str, Any]:
    data = load("reaction_add.json")["member"]
    roles = [ORGANISER_ROLE] if member_id == OLGA else []
    return data | {"user": user(member_id), "roles": roles}


def _interaction(
    name: str, member_id: str, channel: str, locale: str, organiser: bool | None
) -> dict[str, Any]:
    data = load(name)
    data["id"] = snowflake()
    data["token"] = f"token-{data['id']}"
    data["member"] = member(member_id) | {
        "permissions": ORGANISER_PERMISSIONS
        if (organiser if organiser is not None else member_id == OLGA)
        else MEMBER_PERMISSIONS
    }
    data["channel_id"] = channel
    data["channel"]["id"] = channel
    data["locale"] = locale
    return data


def slash(
    name: str,
    member_id: str = ALICE,
    channel: str = GENERAL,
    locale: str = "en-US",
    organiser: bool | None = None,
    **options: str | bool,
) -> dict[str, Any]:
    """``INTERACTION_CREATE`` for ``/name option:value …``."""
    data = _interaction("interaction_slash_command.json", member_id, channel, locale, organiser)
    data["data"]["name"] = name
    data["data"]["options"] = [
        {"name": key, "type": 5 if isinstance(value, bool) else 3, "value": value}
        for key, value in options.items()
    ]
    return data


def save_resource(content: str, author: str = BOB, member_id: str = ALICE) -> dict[str, Any]:
    """``INTERACTION_CREATE`` for the "Save resource" menu on a message saying ``content``."""
    data = _interaction("interaction_save_resource.json", member_id, GENERAL, "en-US", None)
    target = data["data"]["resolved"]["messages"][data["data"]["target_id"]]
    target["content"] = content
    target["author"] = user(author)
    return data


def accept_answer(message_id: str, channel: str, member_id: str = ALICE) -> dict[str, Any]:
    """``INTERACTION_CREATE`` for the "Accept answer" menu on message ``message_id`` of ``channel``."""
    data = _interaction("interaction_save_resource.json", member_id, channel, "en-US", None)
    target = data["data"]["resolved"]["messages"].pop(data["data"]["target_id"])
    target |= {"id": message_id, "channel_id": channel, "content": "Short polls every 20 minutes"}
    data["data"] |= {"name": "Accept answer", "target_id": message_id}
    data["data"]["resolved"]["messages"][message_id] = target
    return data


def button(
    custom_id: str, member_id: str = ALICE, channel: str = HELP, in_dm: bool = False
) -> dict[str, Any]:
    """``INTERACTION_CREATE`` for a press on a button of the bot's message."""
    data = _interaction("interaction_button.json", member_id, channel, "en-US", None)
    data["data"]["custom_id"] = custom_id
    data["message"]["components"][0]["components"][0]["custom_id"] = custom_id
    data["message"]["channel_id"] = channel
    if in_dm:
        for key in ("guild_id", "guild", "guild_locale", "member"):
            data.pop(key)
        data["user"] = user(member_id)
        data["context"] = 1
        data["channel"] = {"id": channel, "type": 1, "flags": 0, "recipients": [user(member_id)]}
    return data


def modal_submit(member_id: str = ALICE, **values: str | bool) -> dict[str, Any]:
    """``INTERACTION_CREATE`` for the /ask form, with the fixture's answers unless given."""
    data = _interaction("interaction_modal_submit.json", member_id, GENERAL, "en-US", None)
    for label in data["data"]["components"]:
        field = label["component"]
        if field["custom_id"] in values:
            field["value"] = values[field["custom_id"]]
    return data


def message(
    channel: str, content: str, author: str = BOB, message_id: str | None = None
) -> dict[str, Any]:
    """``MESSAGE_CREATE``: a member's message (in a thread when ``channel`` is one)."""
    data = load("message_create.json")
    data["id"] = message_id or snowflake()
    data["channel_id"] = channel
    data["content"] = content
    data["author"] = user(author)
    data["member"]["roles"] = [ORGANISER_ROLE] if author == OLGA else []
    return data


def thread_created(thread_id: str, parent: str, name: str = "Q1") -> dict[str, Any]:
    """``THREAD_CREATE`` for a thread started on message ``thread_id``."""
    return load("thread_create.json") | {"id": thread_id, "parent_id": parent, "name": name}


def reaction(
    message_id: str,
    channel: str,
    member_id: str,
    emoji: str = "✅",
    author: str | None = BOB,
    added: bool = True,
    emoji_id: str | None = None,
) -> dict[str, Any]:
    """``MESSAGE_REACTION_ADD`` (with the member) or ``MESSAGE_REACTION_REMOVE`` (without)."""
    data = load("reaction_add.json" if added else "reaction_remove.json")
    data |= {"message_id": message_id, "channel_id": channel, "user_id": member_id}
    data["emoji"] = {"id": emoji_id, "name": emoji} | ({"animated": False} if emoji_id else {})
    if added:
        data["member"] = member(member_id)
        data["message_author_id"] = author
        if author is None:
            data.pop("message_author_id")
    return data

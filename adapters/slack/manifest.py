"""The Slack app manifest, built from the command specs: creating the app is one paste.

``manifest.yml`` next to this file is the Socket Mode manifest (the default
mode); for HTTP mode, ``python -m adapters.slack.manifest --http
https://bot.example.org/slack/events`` prints one whose commands, events and
interactivity all go to that URL. A test keeps ``manifest.yml`` in step with
the specs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.specs import COMMANDS

MANIFEST_PATH = Path(__file__).with_name("manifest.yml")

# Each scope, for what the adapter does with it.
BOT_SCOPES = (
    "commands",  # the slash commands
    "chat:write",  # questions, prompts, reminders, replies, ephemeral messages
    "channels:join",  # join a public help or resources channel on the first post there
    "channels:history",  # thread replies (answers, shares) and bookmarked messages, public channels
    "groups:history",  # the same in private channels the bot was invited to
    "reactions:read",  # reaction_added / reaction_removed
    "reactions:write",  # mark the accepted answer
    "im:write",  # private messages (anonymous askers, topic alerts)
    "users:read",  # names, admins and owners (organisers), locales
)
BOT_EVENTS = ("message.channels", "message.groups", "reaction_added", "reaction_removed")


def manifest(request_url: str | None = None) -> dict:
    """Socket Mode without ``request_url``; HTTP mode sends everything to it."""
    commands = []
    for spec in COMMANDS:
        command = {
            "command": f"/{spec.name}",
            "description": spec.description["en"],
            "usage_hint": spec.usage["en"],
            # Channels and members come as ids (<#C0123|help>), which settings need.
            "should_escape": True,
        }
        if request_url:
            command["url"] = request_url
        commands.append(command)
    events: dict = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict = {"is_enabled": True}
    if request_url:
        events = {"request_url": request_url, **events}
        interactivity["request_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "Entraide",
            "description": "Peer help, practice-sharing prompts and shared resources for learning communities.",
            "background_color": "#2f5d50",
        },
        "features": {
            "bot_user": {"display_name": "Entraide", "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": request_url is None,
            "token_rotation_enabled": False,
        },
    }


def to_yaml(value: object) -> str:
    """YAML for a manifest (mappings, lists, strings, numbers, booleans); strings JSON-quoted."""
    return "\n".join(_yaml(value, 0)) + "\n"


def _yaml(value: object, depth: int) -> list[str]:
    pad = "  " * depth
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines += _yaml(item, depth + 1)
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            nested = (
                _yaml(item, depth + 1)
                if isinstance(item, dict | list) and item
                else [f"{pad}  {_scalar(item)}"]
            )
            lines.append(f"{pad}- {nested[0].lstrip()}")
            lines += nested[1:]
    return lines


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict | list):
        return "{}" if isinstance(value, dict) else "[]"
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(value, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--http", metavar="URL", help="HTTP mode: the public …/slack/events URL")
    parser.add_argument("-o", "--output", type=Path, help="write there instead of printing")
    args = parser.parse_args(argv)
    text = to_yaml(manifest(args.http))
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

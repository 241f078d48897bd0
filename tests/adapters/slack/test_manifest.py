"""The Slack app manifest: generated from the specs, complete for what the adapter does."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.slack import manifest
from bot.specs import COMMANDS

ADAPTER = Path(manifest.__file__).parent

# The scope each Web API method needs (Slack's method reference).
METHOD_SCOPES = {
    "auth.test": None,
    "apps.connections.open": None,  # the app-level token's connections:write
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.getPermalink": None,
    "reactions.add": "reactions:write",
    "conversations.open": "im:write",
    "conversations.join": "channels:join",
    "conversations.history": "channels:history",
    "conversations.replies": "channels:history",
    "users.info": "users:read",
    "views.open": None,
}


def test_manifest_yml_is_up_to_date_with_the_command_specs():
    """The shipped manifest is what the specs generate."""
    expected = manifest.to_yaml(manifest.manifest())
    assert manifest.MANIFEST_PATH.read_text(encoding="utf-8") == expected, (
        "run: python -m adapters.slack.manifest -o adapters/slack/manifest.yml"
    )


def test_every_command_spec_is_a_slash_command_with_its_usage():
    """One slash command per spec, escaped so that channels come as ids."""
    commands = manifest.manifest()["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [f"/{spec.name}" for spec in COMMANDS]
    assert all(c["should_escape"] and c["usage_hint"] for c in commands)


def test_socket_mode_needs_no_url_and_http_mode_sends_everything_to_one():
    """Both modes' manifests: no URL, or one URL for everything."""
    socket = manifest.manifest()
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket["settings"]["event_subscriptions"]
    url = "https://bot.example.org/slack/events"
    http = manifest.manifest(url)
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["settings"]["event_subscriptions"]["request_url"] == url
    assert http["settings"]["interactivity"]["request_url"] == url
    assert {c["url"] for c in http["features"]["slash_commands"]} == {url}


def test_every_web_api_method_the_adapter_calls_has_its_scope():
    """The bot scopes cover every Web API method in the adapter's source."""
    source = "".join(path.read_text(encoding="utf-8") for path in ADAPTER.glob("*.py"))
    called = set(re.findall(r'call\(\s*"([a-z]+\.[A-Za-z.]+)"', source))
    assert called <= set(METHOD_SCOPES), called - set(METHOD_SCOPES)
    needed = {METHOD_SCOPES[method] for method in called} - {None}
    assert needed <= set(manifest.BOT_SCOPES)


def test_the_subscribed_events_are_the_ones_the_adapter_listens_to():
    """Messages and reactions, nothing the adapter would ignore."""
    events = manifest.manifest()["settings"]["event_subscriptions"]["bot_events"]
    assert {event.split(".")[0] for event in events} == {
        "message",
        "reaction_added",
        "reaction_removed",
    }


def test_the_yaml_writer_quotes_strings_and_nests_lists_of_mappings():
    """The small YAML writer emits what Slack's manifest parser reads."""
    text = manifest.to_yaml({"a": [{"b": "x: y", "c": True}], "d": [], "e": "é"})
    assert text == 'a:\n  - b: "x: y"\n    c: true\nd: []\ne: "é"\n'

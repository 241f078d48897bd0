"""Every command runs the handler its spec names, with the same values whether a platform gave
free text (Slack, the console) or typed options (Discord)."""

from __future__ import annotations

import re

import pytest

from bot.commands import SlashCommand
from bot.specs import COMMANDS, spec
from tests.conftest import make_community


@pytest.mark.parametrize(
    ("name", "text", "options"),
    [
        (
            "share",
            "https://example.com/guide #onboarding #remote A guide worth reading",
            {
                "url": "https://example.com/guide",
                "tags": "onboarding, remote",
                "note": "A guide worth reading",
            },
        ),
        (
            "ask",
            "--anonymous How do I start a session? | Details here #onboarding",
            {
                "question": "How do I start a session?",
                "details": "Details here",
                "tags": "onboarding",
                "anonymous": True,
            },
        ),
        ("search", "polls", {"query": "polls"}),
        ("resources", "guide #onboarding", {"query": "guide #onboarding"}),
        ("entraide", "topics add remote", {"command": "topics add remote"}),
    ],
)
async def test_free_text_and_typed_options_reach_the_same_handler_with_the_same_values(
    db, name, text, options
):
    typed, texted = make_community(db, "typed"), make_community(db, "texted")
    outcomes = []
    for community, command in (
        (texted, SlashCommand(texted.actor("alice"), "general", name, text)),
        (typed, SlashCommand(typed.actor("alice"), "general", name, options=options)),
    ):
        reply = (await community.entraide.handle(command)).plain_text()
        async with community.store.transaction() as tx:
            topics = await tx.communities.topics(community.id, "alice")
        outcomes.append((re.sub(r"\b([QR])\d+", r"\1…", reply), topics, await stored(community)))
    assert outcomes[0] == outcomes[1]


async def stored(community) -> dict:
    """The community's knowledge as exported, without what differs between communities."""
    from bot.export import community_knowledge

    async with community.store.transaction() as tx:
        knowledge = await community_knowledge(tx, community.id)
    knowledge.pop("id")
    for record in (*knowledge["questions"], *knowledge["resources"]):
        record.pop("created_at"), record.pop("id")  # numbers are global
    return knowledge


def test_every_spec_names_its_options_parser_and_handler():
    for command in COMMANDS:
        parsed = command.parse("")
        assert set(parsed) <= {p.name for p in command.parameters}, command.name
        assert callable(command.handler)
    assert spec("ask").parse("Why? #x")["tags"] == ("x",)


async def test_options_a_command_does_not_declare_are_not_passed_on(community):
    """Typed options come from the platform: one the spec does not declare (a forged
    interaction, a newer client) reaches no handler."""
    reply = await community.entraide.handle(
        SlashCommand(
            community.actor("alice"),
            "general",
            "ask",
            options={"question": "How do I start a session?", "similar": "forged", "x": 1},
        )
    )
    assert "Q1" in reply.plain_text() and len(community.chat.posts_in("help")) == 1

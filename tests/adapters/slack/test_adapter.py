"""The adapter's life: settings checked at construction, both modes, ack before work, clean stop."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from pydantic import SecretStr

from adapters.slack.app import SlackAdapter
from bot.errors import ConfigError
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import (
    ALICE,
    BOB,
    COMMUNITY,
    GENERAL,
    HELP,
    open_workspace,
    slack_settings,
)
from tests.adapters.slack.fake_slack import FakeSlack

SOCKET_SETTLE_SECONDS = 5


class NoCore:
    async def handle(self, command):
        raise AssertionError("nothing should reach the core")


@pytest.mark.parametrize(
    ("mode", "missing", "variable"),
    [
        ("socket", "bot_token", "ENTRAIDE_SLACK__BOT_TOKEN"),
        ("socket", "app_token", "ENTRAIDE_SLACK__APP_TOKEN"),
        ("http", "signing_secret", "ENTRAIDE_SLACK__SIGNING_SECRET"),
    ],
)
def test_a_missing_secret_fails_at_construction_naming_its_variable(
    fake: FakeSlack, mode, missing, variable
):
    """Each mode's secrets are checked before anything connects; the error names the variable."""
    settings = slack_settings(fake, mode).model_copy(update={missing: None})
    with pytest.raises(ConfigError, match=variable):
        SlackAdapter(NoCore(), settings)


async def test_a_refused_bot_token_fails_start_with_a_clear_message(fake: FakeSlack):
    """auth.test at start turns a bad token into a ConfigError that does not echo the token."""
    settings = slack_settings(fake).model_copy(update={"bot_token": SecretStr("xoxb-revoked")})
    adapter = SlackAdapter(NoCore(), settings)
    with pytest.raises(ConfigError, match="ENTRAIDE_SLACK__BOT_TOKEN") as refused:
        await adapter.start()
    assert "xoxb-revoked" not in str(refused.value)
    await adapter.stop()


async def test_a_refused_app_token_fails_socket_mode_start_clearly(fake: FakeSlack):
    """apps.connections.open refusing the app token stops start instead of retrying forever."""
    settings = slack_settings(fake, "socket").model_copy(
        update={"app_token": SecretStr("xapp-wrong")}
    )
    adapter = SlackAdapter(NoCore(), settings)
    with pytest.raises(ConfigError, match="ENTRAIDE_SLACK__APP_TOKEN"):
        await adapter.start()
    await adapter.stop()


async def test_socket_mode_acknowledges_a_slash_command_envelope_then_handles_it(db, fake):
    """The envelope_id comes back over the WebSocket, then the question is posted."""
    workspace = await open_workspace(db, fake, mode="socket")
    try:
        envelope = payloads.fixture("socket_mode_slash_commands")
        envelope["payload"]["response_url"] = fake.hook_url()
        ack = await fake.send_envelope(envelope)
        assert ack["envelope_id"] == envelope["envelope_id"]
        await asyncio.wait_for(fake.wait_for_hook(), SOCKET_SETTLE_SECONDS)
        await workspace.settle()
        assert "Q1" in fake.hooks[0]["text"] and len(fake.posts(HELP)) == 1
        assert workspace.adapter.connected
    finally:
        await workspace.close()
    assert not workspace.adapter.connected


async def test_socket_mode_delivers_thread_replies_as_answers(db, fake):
    """An events_api envelope with a thread reply records an answer."""
    workspace = await open_workspace(db, fake, mode="socket")
    try:
        command = payloads.fixture("socket_mode_slash_commands")
        command["payload"]["response_url"] = fake.hook_url()
        await fake.send_envelope(command)
        await workspace.settle()
        envelope = payloads.fixture("socket_mode_events_api")
        envelope["payload"]["event"]["thread_ts"] = workspace.last_card()
        await fake.send_envelope(envelope)
        await workspace.settle()
        assert fake.called("chat.update")  # the card says it is answered
        async with db.transaction() as tx:
            [answer] = await tx.questions.answers(COMMUNITY, 1)
        assert (answer.author_id, answer.text) == (BOB, "Try short polls")
    finally:
        await workspace.close()


async def test_the_acknowledgement_does_not_wait_for_a_slow_slack_or_core(db, fake):
    """The 200 arrives while users.info still hangs; the work finishes afterwards."""
    workspace = await open_workspace(db, fake, timeout=0.3)
    try:
        fake.fail("users.info", hang=True)  # the work is stuck until the client times out
        body = payloads.slash_command("/ask", "Question?", ALICE, GENERAL, fake.hook_url())
        status, _ = await workspace.requests.command(body)
        assert status == 200 and fake.posts(HELP) == []  # acknowledged, not done yet
        await workspace.settle()
        assert len(fake.posts(HELP)) == 1  # the work went on after the ack
    finally:
        await workspace.close()


async def test_stop_lets_acknowledged_work_finish(db, fake):
    """Stopping right after an ack still stores the question, its card queued for delivery."""
    workspace = await open_workspace(db, fake)
    body = payloads.slash_command("/ask", "Question?", ALICE, GENERAL, fake.hook_url())
    status, _ = await workspace.requests.command(body)
    await workspace.close()
    assert status == 200 and (await workspace.question()).title == "Question?"
    assert await workspace.adapter.entraide.deliver_due() == 1  # any instance delivers it
    assert len(fake.posts(HELP)) == 1


async def test_who_a_member_is_is_asked_once_then_cached_for_a_few_minutes(workspace):
    """users.info is called once per member per five minutes."""
    await workspace.command(ALICE, "/search", "polls")
    await workspace.command(ALICE, "/resources", "")
    assert len(workspace.fake.called("users.info")) == 1
    workspace.clock.advance(timedelta(minutes=6))
    await workspace.command(ALICE, "/search", "polls")
    assert len(workspace.fake.called("users.info")) == 2


async def test_a_member_slack_cannot_describe_still_acts_as_a_plain_member(workspace):
    """A users.info failure costs organiser rights and locale, not the command."""
    workspace.fake.fail("users.info", error="user_not_found")
    reply = await workspace.command(ALICE, "/ask", "Question?")
    assert "Q1" in reply["text"] and workspace.fake.posts(HELP)


async def test_every_request_handled_is_marked_so_and_none_is_left_to_replay(workspace):
    """Commands the core took, a form opened, a message out of any thread, a press, a reaction
    on nothing: each request kept at arrival is marked handled, by the core or by the adapter."""
    await workspace.command(ALICE, "/ask", "How do I run a retro?")
    await workspace.command(ALICE, "/ask")  # opens the form: nothing reaches the core
    await workspace.command(BOB, "/search", "retro")
    await workspace.say(BOB, GENERAL, "Hello all")  # no thread: the core has nothing to do
    card = workspace.last_card()
    await workspace.react(BOB, HELP, card, "eyes")
    on_nothing = payloads.reaction_event(BOB, GENERAL, "1.000001", "tada", None)
    assert (await workspace.requests.event(on_nothing))[0] == 200
    await workspace.settle()
    async with workspace.store.transaction() as tx:
        assert await tx.events.unhandled_count() == 0

"""What Slack's signature protects, what members cannot make the bot do, what is never logged."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from storage.tables import processed_events
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import ALICE, BOB, CAROL, HELP, text_of
from tests.adapters.slack.fake_slack import BOT_TOKEN


def ask_body(workspace) -> str:
    return urlencode(payloads.slash_command("/ask", "Q?", ALICE, HELP, workspace.fake.hook_url()))


@pytest.mark.parametrize(
    "tampering",
    [
        {"signed_with": "not-the-secret"},
        {"timestamp": -6 * 60},  # seconds from now: Slack's window is 5 minutes
        {"timestamp": 6 * 60},  # either way
        {"timestamp": "yesterday"},
        {"headers": {"X-Slack-Signature": None}},
        {"headers": {"X-Slack-Request-Timestamp": None, "X-Slack-Signature": None}},
    ],
    ids=[
        "bad signature",
        "stale timestamp",
        "future timestamp",
        "timestamp not a number",
        "no signature",
        "no headers",
    ],
)
async def test_unsigned_or_stale_requests_get_401_and_nothing_happens(workspace, tampering):
    """Bad or missing signatures and old timestamps: 401, no Web API call, nothing stored."""
    if isinstance(tampering.get("timestamp"), int):  # from now, not from when tests were collected
        tampering = tampering | {"timestamp": str(int(time.time()) + tampering["timestamp"])}
    status, _ = await workspace.requests.post(
        ask_body(workspace), "application/x-www-form-urlencoded", **tampering
    )
    await workspace.settle()
    assert status == 401
    assert await workspace.question() is None
    assert [call.method for call in workspace.fake.calls] == ["auth.test"]


async def test_a_body_changed_after_signing_is_refused(workspace):
    """The signature covers the body."""
    body = ask_body(workspace)
    timestamp = str(int(time.time()))
    headers = {"X-Slack-Signature": payloads.signature(body, timestamp)}
    status, _ = await workspace.requests.post(
        body.replace("Q%3F", "Hacked"),
        "application/x-www-form-urlencoded",
        timestamp=timestamp,
        headers=headers,
    )
    assert status == 401


async def kept(workspace) -> int:
    """Requests kept in the database, handled or not."""
    async with workspace.store.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(processed_events))).scalar()


async def test_a_certificate_check_is_answered_and_does_nothing(workspace):
    """Slack's ``ssl_check`` of a command URL gets 200, as from bolt, signed or not."""
    body = urlencode({"ssl_check": "1", "token": "legacy"})
    for signed_with in (payloads.SIGNING_SECRET, "not-the-secret"):
        status, _ = await workspace.requests.post(
            body, "application/x-www-form-urlencoded", signed_with=signed_with
        )
        assert status == 200
    assert await kept(workspace) == 0
    assert [call.method for call in workspace.fake.calls] == ["auth.test"]


async def test_a_signed_request_nothing_listens_to_gets_404_and_is_not_kept(workspace):
    """A global shortcut (the app declares none): refused as bolt refuses it, nothing stored."""
    shortcut = {"type": "shortcut", "callback_id": "x", "trigger_id": "1.2", "team": {"id": "T"}}
    status, _ = await workspace.requests.interaction(shortcut)
    assert status == 404
    assert await kept(workspace) == 0


@pytest.mark.parametrize("body", ["[1, 2]", "{not json", "payload=%7Bnot+json"])
async def test_a_signed_body_that_is_no_request_gets_400(workspace, body):
    content_type = (
        "application/json" if "payload" not in body else "application/x-www-form-urlencoded"
    )
    status, _ = await workspace.requests.post(body, content_type)
    assert status == 400
    assert await kept(workspace) == 0


async def test_the_bots_own_messages_are_acknowledged_and_not_kept(workspace):
    """Every card the bot posts comes back as an event: acknowledged, nothing stored or done."""
    message = workspace.fake.member_message(HELP, "U0BOT", "A card")
    status, _ = await workspace.requests.event(
        payloads.message_event(message | {"bot_id": "B0BOT"})
    )
    await workspace.settle()
    assert status == 200
    assert await kept(workspace) == 0


async def test_the_url_verification_challenge_is_answered(workspace):
    """Slack's URL check of the HTTP endpoint passes."""
    challenge = {
        "token": "x",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    status, body = await workspace.requests.event(challenge)
    assert status == 200 and challenge["challenge"] in body


async def test_mass_mentions_in_a_question_are_refused_privately(workspace):
    """<!channel> and user groups in /ask get a private error and no post."""
    reply = await workspace.command(
        ALICE, "/ask", "Hey <!channel> anyone? <!subteam^S0123|@trainers>"
    )
    assert reply["response_type"] == "ephemeral" and "mention" in reply["text"].lower()
    assert workspace.fake.posts(HELP) == []


async def test_special_mentions_in_answers_are_shown_back_inert(workspace):
    """<!here> recorded in an answer is escaped when shown again."""
    reply = await workspace.ask_and_accept(
        ALICE, BOB, "Polls?", "<!here> use <!subteam^S1|@all> polls"
    )
    assert reply
    found = await workspace.command(CAROL, "/search", "polls")
    shown = json.dumps(found)
    assert "&lt;!here&gt;" in shown and "&lt;!subteam^S1|@all&gt;" in shown
    assert "<!here>" not in shown and "<!subteam" not in shown


async def test_member_text_with_markup_is_escaped_on_the_card(workspace):
    """Typed tags, mentions and links appear as text on the card."""
    await workspace.command(
        ALICE,
        "/ask",
        "Is &lt;b&gt; ok? | Use &lt;@U0BOB&gt; &amp; &lt;https://evil.example|safe&gt;",
    )
    shown = text_of(workspace.fake.posts(HELP)[0]["blocks"])
    assert "Is &lt;b&gt; ok?" in shown
    assert "Use &lt;@U0BOB&gt; &amp; &lt;https://evil.example|safe&gt;" in shown


async def test_rtl_emoji_and_words_like_form_fields_go_through(workspace):
    """payload=, & and RTL text reach the core as typed (bolt alone would drop it)."""
    text = "payload=token&amp;user_id=U0EVIL שלום 👩‍🏫 مرحبا"
    await workspace.command(ALICE, "/ask", text)
    question = await workspace.question()
    assert question.title == "payload=token&user_id=U0EVIL שלום 👩‍🏫 مرحبا"


async def test_zero_width_characters_get_a_private_error(workspace):
    """Hidden characters are refused privately, nothing stored."""
    reply = await workspace.command(ALICE, "/ask", "Hidden\u200bword?")
    assert reply["response_type"] == "ephemeral" and await workspace.question() is None


async def test_no_token_or_secret_is_ever_logged(workspace, caplog):
    """Even at DEBUG, with retries and refusals, no secret reaches the logs."""
    caplog.set_level(logging.DEBUG)
    workspace.fake.fail("chat.postMessage", status=429, retry_after=1)
    await workspace.command(ALICE, "/ask", "Question?")
    await workspace.requests.post(ask_body(workspace), "application/json", signed_with="wrong")
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert BOT_TOKEN not in logged and payloads.SIGNING_SECRET not in logged

"""SlackChat, the core's Chat port, against FakeSlack: retries, refusals in plain words, reads."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.slack.chat import SlackChat
from bot.ports import ChatError, ChatUnavailable
from bot.replies import Button, Message, plain
from tests.adapters.slack.conftest import ALICE, BOB, COMMUNITY, GENERAL, HELP, text_of
from tests.adapters.slack.fake_slack import BOT_TOKEN, FakeSlack

HELLO = Message(lines=((plain("Hello"),),), buttons=(Button("Close", "question:close", "1"),))


class Sleeps(list):
    async def __call__(self, delay: float) -> None:
        self.append(delay)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def chat(fake: FakeSlack, sleeps: Sleeps) -> AsyncIterator[SlackChat]:
    chat = SlackChat(BOT_TOKEN, fake.api_url, sleep=sleeps, timeout=0.5)
    try:
        yield chat
    finally:
        await chat.close()


async def test_post_returns_a_channel_scoped_id_and_never_asks_for_link_names(chat, fake):
    """Ids are channel:ts; link_names is never sent."""
    message_id = await chat.post(COMMUNITY, HELP, HELLO)
    [posted] = fake.posts(HELP)
    assert message_id == f"{HELP}:{fake.channels[HELP].messages[0]['ts']}"
    assert "link_names" not in posted and posted["text"] == "Hello"


async def test_a_post_in_a_thread_replies_to_its_root(chat, fake):
    """thread_id becomes the root's thread_ts."""
    root = await chat.post(COMMUNITY, HELP, HELLO)
    await chat.post(COMMUNITY, HELP, HELLO, thread_id=root)
    assert fake.posts(HELP)[1]["thread_ts"] == root.split(":")[1]


async def test_a_429_waits_for_retry_after_then_posts_once(chat, fake, sleeps):
    """Retry-After is honoured and the message appears once."""
    fake.fail("chat.postMessage", status=429, retry_after=3, times=2)
    await chat.post(COMMUNITY, HELP, HELLO)
    assert sleeps == [3, 3] and len(fake.posts(HELP)) == 1


async def test_5xx_answers_are_retried_with_growing_backoff(chat, fake, sleeps):
    """Server errors are retried with exponential backoff."""
    fake.fail("chat.postMessage", status=500)
    fake.fail("chat.postMessage", status=502)
    fake.fail("chat.postMessage", status=503)
    await chat.post(COMMUNITY, HELP, HELLO)
    assert len(fake.posts(HELP)) == 1
    assert len(sleeps) == 3 and sleeps[0] < sleeps[1] < sleeps[2]


async def test_a_connection_reset_and_a_time_out_are_retried(chat, fake, sleeps):
    """Network failures are transient too."""
    fake.fail("chat.update", reset=True)
    fake.fail("chat.update", hang=True)  # longer than the client's 0.5 s
    message_id = await chat.post(COMMUNITY, HELP, HELLO)
    await chat.edit(COMMUNITY, HELP, message_id, Message(lines=((plain("Edited"),),)))
    assert fake.called("chat.update")[-1]["text"] == "Edited" and len(sleeps) == 2


async def test_a_slack_that_keeps_failing_is_reported_unavailable_after_bounded_attempts(
    chat, fake, sleeps
):
    """After five attempts the core gets ChatUnavailable, to retry later."""
    fake.fail("chat.postMessage", status=503, times=10)
    with pytest.raises(ChatUnavailable):
        await chat.post(COMMUNITY, HELP, HELLO)
    assert len(fake.called("chat.postMessage", ok=False)) == 5 and len(sleeps) == 4


@pytest.mark.parametrize(
    ("channel", "reason"),
    [
        ("C0GONE", "the channel does not exist, or the bot cannot see it"),
        ("C0OLD", "the channel is archived"),
        ("C0SECRET", "the bot is not a member of that channel: invite it with /invite"),
    ],
)
async def test_refusals_are_not_retried_and_say_why_in_plain_words(
    chat, fake, sleeps, channel, reason
):
    """Permanent errors raise ChatError at once, in words an organiser understands."""
    fake.add_channel("C0OLD", "old", archived=True)
    fake.add_channel("C0SECRET", "secret", member=False, private=True)
    with pytest.raises(ChatError) as refused:
        await chat.post(COMMUNITY, channel, HELLO)
    assert str(refused.value) == reason
    assert not isinstance(refused.value, ChatUnavailable) and sleeps == []


async def test_the_bot_joins_a_public_channel_it_was_not_in_and_posts(chat, fake):
    """not_in_channel on a public channel is fixed by conversations.join."""
    fake.add_channel("C0NEW", "new", member=False)
    await chat.post(COMMUNITY, "C0NEW", HELLO)
    assert fake.called("conversations.join") == [{"channel": "C0NEW"}]
    assert len(fake.posts("C0NEW")) == 1


async def test_reacting_twice_with_the_same_emoji_is_not_an_error(chat, fake):
    """already_reacted is ignored; emoji characters become Slack names."""
    message_id = await chat.post(COMMUNITY, HELP, HELLO)
    await chat.add_reaction(COMMUNITY, HELP, message_id, "✅")
    await chat.add_reaction(COMMUNITY, HELP, message_id, ":white_check_mark:")
    assert fake.reactions == {(HELP, message_id.split(":")[1], "white_check_mark")}


async def test_a_private_message_opens_the_direct_conversation_once(chat, fake):
    """The DM channel is opened once and remembered."""
    await chat.send_private(COMMUNITY, ALICE, HELLO)
    await chat.send_private(COMMUNITY, ALICE, HELLO)
    assert len(fake.called("conversations.open")) == 1
    assert len(fake.posts(f"D{ALICE}")) == 2


async def test_fetch_reads_a_channel_message_a_thread_reply_or_nothing(chat, fake):
    """History, then the thread, then None; text comes back as plain words."""
    root = fake.member_message(GENERAL, BOB, "See <https://example.com|example.com> &amp; more")
    reply = fake.member_message(GENERAL, ALICE, "Thanks", thread_ts=root["ts"])
    found = await chat.fetch_message(COMMUNITY, GENERAL, f"{GENERAL}:{root['ts']}")
    assert (found.author_id, found.text) == (BOB, "See https://example.com & more")
    in_thread = await chat.fetch_message(COMMUNITY, GENERAL, f"{GENERAL}:{reply['ts']}")
    assert (in_thread.author_id, in_thread.text) == (ALICE, "Thanks")
    assert await chat.fetch_message(COMMUNITY, GENERAL, f"{GENERAL}:1.000000") is None
    assert await chat.fetch_message(COMMUNITY, "C0GONE", "C0GONE:1.000000") is None


async def test_a_message_that_refers_to_another_links_to_it(chat, fake):
    """refers_to becomes a permalink from chat.getPermalink."""
    card = await chat.post(COMMUNITY, HELP, HELLO)
    await chat.post(COMMUNITY, HELP, Message(lines=((plain("Still open"),),), refers_to=card))
    [context] = [b for b in fake.posts(HELP)[-1]["blocks"] if b["type"] == "context"]
    assert card.split(":")[1].replace(".", "") in context["elements"][0]["text"]


async def test_every_call_carries_the_bot_token_to_the_configured_api_url(chat, fake):
    """Calls go to api_url with the bot token (FakeSlack refuses any other)."""
    await chat.post(COMMUNITY, HELP, HELLO)
    assert [call.method for call in fake.calls] == ["chat.postMessage"]
    assert all(call.ok for call in fake.calls)  # FakeSlack refuses any other token
    assert text_of(fake.posts(HELP)[0]["blocks"]) == "Hello"


@pytest.mark.parametrize("lost", ["reset", "hang"])
async def test_a_post_whose_answer_was_lost_is_found_by_its_key_not_made_twice(
    chat, fake, sleeps, lost
):
    """Slack applied chat.postMessage but the answer never came (a reset, or later than the
    client's time-out): the key in the message's metadata finds it, no second card."""
    fake.fail("chat.postMessage", applied=True, **{lost: True})
    message_id = await chat.post(COMMUNITY, HELP, HELLO, key="k1")
    [posted] = fake.channels[HELP].messages
    assert message_id == f"{HELP}:{posted['ts']}"
    assert posted["metadata"] == {"event_type": "entraide_delivery", "event_payload": {"key": "k1"}}
    assert len(fake.called("chat.postMessage", ok=None)) == 1


async def test_a_post_that_did_not_land_is_made_again_after_the_look(chat, fake, sleeps):
    """A 503 that applied nothing: the history shows no such key, so the retry posts once."""
    fake.fail("chat.postMessage", status=503)
    await chat.post(COMMUNITY, HELP, HELLO, key="k1")
    assert len(fake.channels[HELP].messages) == 1
    assert fake.called("conversations.history")[0]["include_all_metadata"] in (True, "true", "1")


async def test_when_the_history_cannot_be_read_the_post_waits_rather_than_risk_a_second(
    chat, fake, sleeps
):
    fake.fail("chat.postMessage", applied=True, reset=True)
    fake.fail("conversations.history", status=503, times=5)
    with pytest.raises(ChatUnavailable):
        await chat.post(COMMUNITY, HELP, HELLO, key="k1")
    assert len(fake.channels[HELP].messages) == 1


async def test_find_post_looks_in_a_thread_and_in_direct_messages(chat, fake):
    from datetime import UTC, datetime, timedelta

    since = datetime.now(UTC) - timedelta(minutes=1)
    root = await chat.post(COMMUNITY, HELP, HELLO, key="card")
    note = await chat.post(COMMUNITY, HELP, HELLO, thread_id=root, key="note")
    await chat.send_private(COMMUNITY, ALICE, HELLO, key="dm")
    assert await chat.find_post(COMMUNITY, HELP, "card", since) == root
    assert await chat.find_post(COMMUNITY, HELP, "note", since, thread_id=root) == note
    assert await chat.find_post(COMMUNITY, None, "dm", since, member_id=ALICE)
    assert await chat.find_post(COMMUNITY, HELP, "other", since) is None

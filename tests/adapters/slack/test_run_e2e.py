"""`entraide run` on Slack end to end: /ask → answer → accepted, through a real process, in both modes.

FakeSlack runs in the test's event loop: the process calls its Web API (and, in
Socket Mode, connects to its WebSocket), while the test plays Slack's side,
posting signed requests to the process's ``/slack/events`` or pushing envelopes
over the WebSocket. Each wait polls a condition with a deadline.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.domain import QuestionStatus
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import ALICE, BOB, COMMUNITY, HELP, text_of
from tests.adapters.slack.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.running import Running

DEADLINE_SECONDS = 20
POLL_SECONDS = 0.05
QUESTION = "How do I keep learners engaged?"
ANSWER = "Try short polls every 20 minutes"
PROXIES = {"http_proxy", "https_proxy", "all_proxy"}  # slack_sdk would send 127.0.0.1 through them

Send = Callable[[dict], Awaitable[None]]


async def eventually(condition, what: str, timeout: float = DEADLINE_SECONDS):
    """Poll ``condition`` (sync or async) until it is truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout}s for {what}")
        await asyncio.sleep(POLL_SECONDS)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EntraideRun(Running):
    """`python -m bot.runtime.cli run` with only the given ENTRAIDE_* settings; its output is collected."""

    def __init__(self, cwd: Path, settings: dict[str, str]) -> None:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("ENTRAIDE_") and name.lower() not in PROXIES
        }
        # cwd: no ./entraide.toml there. The output is read in threads: the event loop must
        # stay free to serve FakeSlack meanwhile.
        super().__init__([sys.executable, "-m", "bot.runtime.cli", "run"], env | settings, cwd)

    async def running(self) -> None:
        def started() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"entraide run exited with {self.process.returncode}\n{self.output()}"
                )
            return any(line.startswith("entraide: running (slack)") for line in self.stdout)

        await eventually(started, "entraide run to say it is running")

    async def stop(self) -> int:
        """SIGTERM, then wait without blocking the loop (the process still talks to FakeSlack)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            await eventually(
                lambda: self.process.poll() is not None, "entraide run to exit on SIGTERM"
            )
        finally:
            self.kill()
            # Captured by pytest, shown only when the test fails (aiosqlite's chatter left out).
            print("\n".join(x for x in self.output().splitlines() if "aiosqlite" not in x))
        return self.process.returncode


@pytest.fixture
async def database(tmp_path) -> AsyncIterator[tuple[str, Store]]:
    """A new SQLite file migrated to the current schema, and a store the test reads it with."""
    url = f"sqlite:///{tmp_path / 'entraide.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    try:
        yield url, Store(engine)
    finally:
        await engine.dispose()


def settings(url: str, fake: FakeSlack, **slack: str) -> dict[str, str]:
    common = {
        "ENTRAIDE_DATABASE_URL": url,
        "ENTRAIDE_HEALTH__PORT": "0",
        "ENTRAIDE_LOG_LEVEL": "DEBUG",  # as much on stderr as can be, for the secrets check
        "ENTRAIDE_SLACK__ENABLED": "true",
        "ENTRAIDE_SLACK__BOT_TOKEN": BOT_TOKEN,
        "ENTRAIDE_SLACK__API_URL": fake.api_url,
    }
    return common | {f"ENTRAIDE_SLACK__{name.upper()}": value for name, value in slack.items()}


def card_ts(fake: FakeSlack) -> str | None:
    """The ts of the bot's question card in #help, once posted."""
    cards = [
        m
        for m in fake.channels[HELP].messages
        if m.get("bot_id") and not m.get("thread_ts") and QUESTION in m.get("text", "")
    ]
    return cards[0]["ts"] if cards else None


async def stored(store: Store):
    async with store.transaction() as tx:
        return await tx.questions.get(COMMUNITY, 1), await tx.questions.answers(COMMUNITY, 1)


async def ask_answer_accept(fake: FakeSlack, store: Store, command: Send, event: Send):
    """Alice asks in #help, Bob answers in the card's thread, Alice reacts ✅; return (card, answer) ts."""
    ask = payloads.slash_command("/ask", QUESTION, ALICE, HELP, fake.hook_url())
    await command(ask | {"channel_name": "help"})
    # The private reply comes once the card's ts is stored: only then can a thread reply find it.
    [reply] = await eventually(lambda: fake.hooks, "Alice's private reply to /ask")
    assert "Q1" in reply["text"]
    card = await eventually(lambda: card_ts(fake), "the question card in #help")

    answer = fake.member_message(HELP, BOB, ANSWER, thread_ts=card)
    await event(payloads.message_event(answer, event_id="Ev0E2EANSWER"))
    # Alice reacts to an answer she has seen, so once it is committed.
    await eventually(lambda: _answered(store), "Bob's answer in the database")

    await event(
        payloads.reaction_event(
            ALICE, HELP, answer["ts"], "white_check_mark", BOB, event_id="Ev0E2EACCEPT"
        )
    )
    return card, answer["ts"]


async def _answered(store: Store) -> bool:
    return bool((await stored(store))[1])


async def _resolved(store: Store):
    question, answers = await stored(store)
    return (question, answers) if question.status is QuestionStatus.RESOLVED else None


async def assert_accepted(fake: FakeSlack, store: Store, card: str, answer: str) -> None:
    """The bot's ✅ on the answer, the card updated to resolved, the accepted note in its thread."""

    def resolved_updates() -> list[dict]:
        return [
            u
            for u in fake.called("chat.update")
            if u["ts"] == card and "resolved" in text_of(u["blocks"])
        ]

    def notes() -> list[dict]:
        return [p for p in fake.posts(HELP) if p.get("thread_ts") == card]

    await eventually(
        lambda: fake.called("reactions.add") and resolved_updates() and notes(),
        "the bot's reaction, the resolved card and the accepted note",
    )
    [reaction] = fake.called("reactions.add")
    assert (reaction["channel"], reaction["timestamp"], reaction["name"]) == (
        HELP,
        answer,
        "white_check_mark",
    )
    assert resolved_updates()[-1]["channel"] == HELP
    [note] = notes()
    assert "accepted" in text_of(note["blocks"]) and f"<@{BOB}>" in text_of(note["blocks"])
    answered = [u for u in fake.called("chat.update") if "answered" in text_of(u["blocks"])]
    assert answered and answered[0]["ts"] == card  # Bob's reply showed first as answered

    # The Slack calls may come before the commit (a reaction is one unit of work with its claim).
    question, [stored_answer] = await eventually(
        lambda: _resolved(store), "the question resolved in the database"
    )
    assert question.accepted_answer_id == stored_answer.id and stored_answer.author_id == BOB
    assert ALICE in [u["user"] for u in fake.called("users.info")]  # a plain member: the asker


def assert_clean_logs(run: EntraideRun, *secrets: str) -> None:
    """No failure logged, and no secret anywhere in what the process wrote (DEBUG included)."""
    logs = "".join(run.stderr) + "".join(run.stdout)
    assert " DEBUG " in logs, "the process logged little: the secrets check would prove nothing"
    failures = [line for line in run.stderr if " ERROR " in line or "Traceback" in line]
    assert not failures, run.output()
    for secret in secrets:
        assert secret not in logs, "a secret appears in the process's output"


async def test_http_mode_takes_a_question_from_ask_to_accepted(fake, database, tmp_path):
    """Over signed HTTP requests, `entraide run` posts the card, records the answer and resolves it."""
    url, store = database
    port = free_port()
    run = EntraideRun(
        tmp_path,
        settings(
            url,
            fake,
            mode="http",
            host="127.0.0.1",
            port=str(port),
            signing_secret=payloads.SIGNING_SECRET,
        ),
    )
    requests = payloads.SignedRequests(f"http://127.0.0.1:{port}/slack/events")

    async def command(body: dict) -> None:
        status, text = await requests.command(body)
        assert status == 200, f"/slack/events answered {status}: {text}"

    async def event(body: dict) -> None:
        status, text = await requests.event(body)
        assert status == 200, f"/slack/events answered {status}: {text}"

    try:
        await run.running()
        card, answer = await ask_answer_accept(fake, store, command, event)
        await assert_accepted(fake, store, card, answer)
    finally:
        await requests.close()
        code = await run.stop()
    assert code == 0, run.output()
    assert_clean_logs(run, BOT_TOKEN, payloads.SIGNING_SECRET)


async def test_socket_mode_takes_a_question_from_ask_to_accepted(fake, database, tmp_path):
    """Over Socket Mode envelopes, each acknowledged, the same question is posted, answered and resolved."""
    url, store = database
    run = EntraideRun(tmp_path, settings(url, fake, mode="socket", app_token=APP_TOKEN))
    acks: list[tuple[str, str]] = []

    async def push(payload: dict, kind: str) -> None:
        envelope = payloads.socket_envelope(payload, kind)
        ack = await fake.send_envelope(envelope, timeout=DEADLINE_SECONDS)
        acks.append((envelope["envelope_id"], ack["envelope_id"]))

    async def command(body: dict) -> None:
        await push(body, "slash_commands")

    async def event(body: dict) -> None:
        await push(body, "events_api")

    try:
        await run.running()
        assert len(fake.called("apps.connections.open")) == 1
        card, answer = await ask_answer_accept(fake, store, command, event)
        await assert_accepted(fake, store, card, answer)
    finally:
        code = await run.stop()
    assert code == 0, run.output()
    assert len(acks) == 3 and all(sent == acked for sent, acked in acks)
    assert_clean_logs(run, BOT_TOKEN, APP_TOKEN)

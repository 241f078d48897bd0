"""The console session in-process: whatever a member types, the session goes on and says why."""

from __future__ import annotations

import pytest

from adapters.console.app import ConsoleSession
from adapters.console.chat import ConsoleChat
from tests.conftest import START, make_community


@pytest.fixture
def session(db):
    out: list[str] = []
    chat = ConsoleChat("c1", write=out.append)
    community = make_community(db, "console", chat=chat)
    console = ConsoleSession(
        community.entraide, chat, community.clock, "console", frozenset({"alice"}), out.append
    )
    console.out = out
    return console


@pytest.mark.parametrize(
    "line, said",
    [
        (":advance 999999999d", "at most 366 days"),
        (":advance 99999999999999999999999m", "unknown directive"),
        (":advance 367d", "at most 366 days"),
        ("bob: #" + "9" * 5000 + " hello", "there is no message"),
        ("bob: +eyes #" + "9" * 5000, "there is no message"),
        ("alice: !question:close 99999999999999999999999", "This button no longer works"),
        (":as al\x00ice", "a member's name"),
        (":channel #he\x00lp", "a channel's name"),
    ],
)
async def test_a_bad_line_is_told_and_the_session_goes_on(session, line, said):
    await session.line(line)
    assert said in "\n".join(session.out)
    assert session.clock.now() == START
    await session.line("alice: /ask Still here?")
    assert any("Still here?" in line for line in session.out)


async def test_advance_moves_the_clock_up_to_a_year_at_once(session):
    await session.line(":advance 366d")
    assert (session.clock.now() - START).days == 366

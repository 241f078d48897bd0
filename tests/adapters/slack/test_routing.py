"""A routed request on Slack: a direct message with Block Kit buttons, the member's own time
zone (``users.info`` ``tz``) keeping it out of their night."""

from __future__ import annotations

from datetime import timedelta

from tests.adapters.slack.conftest import ALICE, BOB, CAROL, HELP, buttons, text_of


async def test_a_routed_requests_buttons_work_end_to_end(workspace):
    """Bob and Carol follow #remote; at 12:00 UTC it is 21:00 for Carol (Tokyo): only Bob is
    asked. He takes it, and the card says so; then he passes it on."""
    workspace.fake.users[CAROL]["tz"] = "Asia/Tokyo"
    await workspace.command(BOB, "/entraide", "topics add remote")
    await workspace.command(CAROL, "/entraide", "topics add remote")
    await workspace.command(ALICE, "/ask", "Cameras off all the time? #remote")
    card = workspace.last_card()
    workspace.clock.advance(timedelta(hours=4))
    await workspace.adapter.entraide.run_due(workspace.clock.now())
    await workspace.settle()
    assert workspace.fake.posts(f"D{CAROL}") == []
    [request] = workspace.fake.posts(f"D{BOB}")
    assert "Could you help with Q1?" in text_of(request["blocks"])
    permalink = f"https://fake.slack.com/archives/{HELP}/p{card.replace('.', '')}"
    assert permalink in str(request["blocks"])  # a link to the question
    take, decline = buttons(request["blocks"])
    assert take["text"]["text"] == "I’ll take it" and decline["text"]["text"] == "Not for me"

    reply = await workspace.press(BOB, f"D{BOB}", "1700000999.000002", take)
    assert "Q1 now says you are looking at it" in reply["text"]
    updated = workspace.fake.called("chat.update")[-1]
    assert updated["ts"] == card and f"<@{BOB}> is looking at it" in text_of(updated["blocks"])

    reply = await workspace.press(BOB, f"D{BOB}", "1700000999.000002", decline)
    assert "someone else will be asked about Q1" in reply["text"]
    assert "looking at it" not in text_of(workspace.fake.called("chat.update")[-1]["blocks"])

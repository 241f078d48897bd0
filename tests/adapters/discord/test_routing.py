"""A routed request on Discord: a DM with persistent buttons, pressed from the DM."""

from __future__ import annotations

from datetime import timedelta

from bot.questions.routing import DECLINE, TAKE
from tests.adapters.discord import payloads
from tests.adapters.discord.conftest import reply_text
from tests.adapters.discord.fake_discord import FakeDiscord

HELP_MESSAGES = rf"/channels/{payloads.HELP}/messages"


async def test_a_routed_requests_buttons_work_from_the_members_dm(bot):
    """Bob and Dave follow #remote; after 4 h each gets a DM whose buttons carry the server:
    Bob takes it (the card says so), Dave passes."""
    for member in (payloads.BOB, payloads.DAVE):
        await bot.feed(
            "INTERACTION_CREATE",
            payloads.slash("entraide", member_id=member, command="topics add remote"),
        )
    card = await bot.ask("Cameras off all the time?", tags="remote")
    bot.core.clock.advance(timedelta(hours=4))
    await bot.run_due()

    def request_of(member: str) -> dict:
        [dm] = bot.fake.posted_in(FakeDiscord.dm_channel(member))
        return dm

    bobs = request_of(payloads.BOB)
    assert "Could you help with Q1?" in reply_text(bobs)
    take, decline = bobs["components"][0]["components"]
    assert take["label"] == "I’ll take it" and decline["label"] == "Not for me"
    assert take["custom_id"].startswith(f"entraide|{payloads.GUILD}|{TAKE}|")

    press = payloads.button(
        take["custom_id"], member_id=payloads.BOB, channel=bobs["channel_id"], in_dm=True
    )
    await bot.feed("INTERACTION_CREATE", press)
    assert "Q1 now says you are looking at it" in reply_text(bot.reply_to(press))
    edit = bot.fake.calls_to("PATCH", rf"{HELP_MESSAGES}/{card}")[-1].json
    assert f"<@{payloads.BOB}> is looking at it" in edit["embeds"][0]["description"]

    daves = request_of(payloads.DAVE)["components"][0]["components"][1]
    assert daves["custom_id"].startswith(f"entraide|{payloads.GUILD}|{DECLINE}|")
    press = payloads.button(
        daves["custom_id"],
        member_id=payloads.DAVE,
        channel=FakeDiscord.dm_channel(payloads.DAVE),
        in_dm=True,
    )
    await bot.feed("INTERACTION_CREATE", press)
    assert "someone else will be asked about Q1" in reply_text(bot.reply_to(press))

"""Slash commands, the /ask form, the "Save resource" menu and buttons, from INTERACTION_CREATE."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import QuestionStatus
from bot.privacy import CONFIRM
from bot.questions.answers import ACCEPT
from bot.questions.card import CLOSE, REOPEN
from bot.questions.closing import NOT_NEEDED, SOLVED_ELSEWHERE
from bot.runtime.run import replay_unhandled
from storage.repositories.events import Events
from storage.repositories.search import Search
from tests.adapters.discord import payloads
from tests.adapters.discord.conftest import COMMUNITY, make_adapter, reply_text, settle
from tests.adapters.discord.fake_discord import FakeDiscord

HELP_MESSAGES = rf"/channels/{payloads.HELP}/messages"


async def resources(bot):
    async with bot.store.transaction() as tx:
        return await tx.resources.all(COMMUNITY)


async def test_ask_is_deferred_before_anything_else_then_posted_with_its_thread(bot):
    """/ask: an ephemeral defer first, then the card in the help channel, its thread, the private reply."""
    event = payloads.slash(
        "ask", question="How do I keep learners engaged?", tags="engagement remote"
    )
    await bot.feed("INTERACTION_CREATE", event)

    first = bot.fake.calls[2]  # after login's two calls
    assert first.path == f"/interactions/{event['id']}/{event['token']}/callback"
    assert first.json == {"type": 5, "data": {"flags": 64}}
    card = bot.fake.posted_in(payloads.HELP)[0]
    assert card["embeds"][0]["title"] == "Q1 · How do I keep learners engaged?"
    assert "#remote" in card["embeds"][0]["description"]
    assert card["id"] in bot.fake.channels  # the thread answers go in, named after the card
    assert bot.fake.channels[card["id"]]["name"] == card["embeds"][0]["title"]
    assert f"Your question Q1 is on its way to <#{payloads.HELP}>" in reply_text(
        bot.reply_to(event)
    )
    question = await bot.question()
    assert question.tags == ("engagement", "remote") and question.message_id == card["id"]


async def test_ask_keeps_bars_and_hashes_in_the_question_as_typed(bot):
    """Options are separate fields: a "|" or a "#" in the question is not re-parsed."""
    await bot.feed(
        "INTERACTION_CREATE",
        payloads.slash("ask", question="Slides | handouts for #onboarding?", details="Day one"),
    )
    question = await bot.question()
    assert (question.title, question.details, question.tags) == (
        "Slides | handouts for #onboarding?",
        "Day one",
        (),
    )


async def test_ask_without_a_question_opens_the_form_and_stores_nothing(bot):
    """The form is the first response (no defer), with what was typed already filled in."""
    event = payloads.slash("ask", locale="fr", details="Nouveaux arrivants")
    await bot.feed("INTERACTION_CREATE", event)
    callback = bot.fake.calls_to("POST", rf"/interactions/{event['id']}/.*/callback")[0].json
    assert callback["type"] == 9 and callback["data"]["custom_id"] == "entraide|ask"
    assert callback["data"]["title"] == "Poser une question à la communauté"
    fields = [(c["label"], c["component"]["custom_id"]) for c in callback["data"]["components"]]
    assert fields == [
        ("Question", "question"),
        ("Plus de détails", "details"),
        ("Étiquettes, ex. accueil distanciel", "tags"),
        ("Demander sans votre nom", "anonymous"),
    ]
    assert callback["data"]["components"][1]["component"]["value"] == "Nouveaux arrivants"
    assert callback["data"]["components"][3]["component"]["type"] == 23  # a checkbox
    assert await bot.question() is None


async def test_the_ask_form_asks_with_its_fields_and_can_be_anonymous(bot):
    """The form's submission is an Ask; an anonymous card names nobody."""
    event = payloads.modal_submit()
    await bot.feed("INTERACTION_CREATE", event)
    question = await bot.question()
    assert (question.title, question.details, question.tags, question.anonymous) == (
        "Icebreakers for 30 people online?",
        "Mostly new hires, 90 minutes",
        ("online", "groups"),
        True,
    )
    card = bot.fake.posted_in(payloads.HELP)[0]
    assert payloads.ALICE not in str(card) and "Asked anonymously" in str(card)
    assert "anonymously" in reply_text(bot.reply_to(event))


async def test_the_same_interaction_delivered_twice_posts_one_question(bot):
    """The interaction id is the event key: a redelivery has no effect."""
    event = payloads.slash("ask", question="Where do I start?")
    await bot.feed("INTERACTION_CREATE", event)
    await bot.feed("INTERACTION_CREATE", event)
    assert len(bot.fake.posted_in(payloads.HELP)) == 1


async def test_share_saves_the_link_with_its_tags_and_note(bot):
    """/share url tags note: normalised, tagged, and a second share says who was first."""
    first = payloads.slash(
        "share",
        url="https://example.com/polls?utm_source=x",
        tags="engagement, #polls",
        note="Great",
    )
    await bot.feed("INTERACTION_CREATE", first)
    (resource,) = await resources(bot)
    assert resource.url == "https://example.com/polls"
    assert resource.tags == ("engagement", "polls") and resource.notes == ("Great",)
    assert "Saved to the community’s resources (R1)" in reply_text(bot.reply_to(first))

    again = payloads.slash("share", member_id=payloads.BOB, url="https://example.com/polls")
    await bot.feed("INTERACTION_CREATE", again)
    assert f"<@{payloads.ALICE}> shared it first" in reply_text(bot.reply_to(again))


async def test_resources_and_search_answer_privately(bot):
    """/resources and /search pass their query; the answers replace the deferred reply."""
    await bot.feed(
        "INTERACTION_CREATE", payloads.slash("share", url="https://example.com/polls", tags="polls")
    )
    listed = payloads.slash("resources", query="#polls")
    searched = payloads.slash("search", query="polls")
    await bot.feed("INTERACTION_CREATE", listed)
    await bot.feed("INTERACTION_CREATE", searched)
    assert "1 resource(s)" in reply_text(bot.reply_to(listed))
    assert "https://example.com/polls" in reply_text(bot.reply_to(searched))


async def test_entraide_settings_need_manage_server(bot):
    """/entraide config: refused to a member, done for one with Manage Server."""
    forum = f"config help-channel <#{payloads.FORUM}>"
    refused = payloads.slash("entraide", command=forum)
    await bot.feed("INTERACTION_CREATE", refused)
    assert "Only organisers" in reply_text(bot.reply_to(refused))
    done = payloads.slash("entraide", member_id=payloads.OLGA, command=forum)
    await bot.feed("INTERACTION_CREATE", done)
    assert "Setting help-channel is now" in reply_text(bot.reply_to(done))


async def test_entraide_stats_and_topics_run_their_subcommands(bot):
    """/entraide's one option is the subcommand line the core parses."""
    topics = payloads.slash("entraide", command="topics add remote")
    stats = payloads.slash("entraide", command="stats")
    await bot.feed("INTERACTION_CREATE", topics)
    await bot.feed("INTERACTION_CREATE", stats)
    async with bot.store.transaction() as tx:
        assert await tx.communities.topics(COMMUNITY, payloads.ALICE) == ["remote"]
    assert bot.reply_to(stats)["embeds"][0]["title"]


async def test_private_replies_follow_the_members_locale(bot):
    """A member whose Discord is in French gets French replies."""
    event = payloads.slash("ask", question="Par où commencer ?", locale="fr")
    await bot.feed("INTERACTION_CREATE", event)
    assert "Votre question Q1 part dans" in reply_text(bot.reply_to(event))


async def test_save_resource_menu_shares_the_messages_first_link(bot):
    """The message menu saves the message's link for the member who used it."""
    event = payloads.save_resource("Worth reading: https://example.com/engagement?utm_source=x ok")
    await bot.feed("INTERACTION_CREATE", event)
    (resource,) = await resources(bot)
    assert resource.url == "https://example.com/engagement"
    assert resource.shared_by == payloads.ALICE
    assert "R1" in reply_text(bot.reply_to(event))


async def test_save_resource_on_a_message_without_a_link_says_so(bot):
    """No link, nothing saved, and the member is told how to share one."""
    event = payloads.save_resource("No link here")
    await bot.feed("INTERACTION_CREATE", event)
    assert await resources(bot) == []
    assert "Give a link" in reply_text(bot.reply_to(event))


async def test_the_close_button_closes_and_the_card_offers_reopen(bot):
    """A press on the card's Close button asks why; a reason closes it, the card is edited,
    the asker told privately."""
    card = await bot.ask()
    press = payloads.button(f"entraide|{payloads.GUILD}|{CLOSE}|1")
    await bot.feed("INTERACTION_CREATE", press)
    assert "Why close Q1?" in reply_text(bot.reply_to(press))
    reason = payloads.button(f"entraide|{payloads.GUILD}|{NOT_NEEDED}|1")
    await bot.feed("INTERACTION_CREATE", reason)
    assert (await bot.question()).status is QuestionStatus.CLOSED
    assert "Question Q1 is closed (no longer needed)" in reply_text(bot.reply_to(reason))
    edit = bot.fake.calls_to("PATCH", rf"{HELP_MESSAGES}/{card}")[-1].json
    button = edit["components"][0]["components"][0]
    assert button["custom_id"] == f"entraide|{payloads.GUILD}|{REOPEN}|1"


async def test_buttons_keep_working_after_a_restart(bot, fake: FakeDiscord):
    """A new process knows nothing of the old card: the button's id carries all it needs."""
    await bot.ask()
    restarted, _ = make_adapter(bot.store, fake)
    await restarted.login()
    restarted.client._connection.parse_guild_create(payloads.guild())
    try:
        press = payloads.button(f"entraide|{payloads.GUILD}|{SOLVED_ELSEWHERE}|1")
        restarted.client._connection.parsers["INTERACTION_CREATE"](press)
        await restarted.drain()
        assert (await bot.question()).status is QuestionStatus.CLOSED
    finally:
        await restarted.stop()


async def test_anonymous_askers_accept_with_the_button_in_their_dm(bot):
    """The private accept offer is a DM; pressed there (no server), it still resolves the question."""
    await bot.feed(
        "INTERACTION_CREATE",
        payloads.slash("ask", question="Is it normal to feel lost?", anonymous=True),
    )
    card = (await bot.question()).message_id
    await bot.answer(card, "Yes, everyone does at first")
    dm_channel = bot.fake.calls_to("POST", "/users/@me/channels")[-1]
    assert dm_channel.json == {"recipient_id": payloads.ALICE}
    offer = bot.fake.posted_in(FakeDiscord.dm_channel(payloads.ALICE))[-1]
    custom_id = offer["components"][0]["components"][0]["custom_id"]
    assert custom_id.startswith(f"entraide|{payloads.GUILD}|{ACCEPT}|")

    press = payloads.button(custom_id, channel=offer["channel_id"], in_dm=True)
    await bot.feed("INTERACTION_CREATE", press)
    assert (await bot.question()).status is QuestionStatus.RESOLVED
    assert "You accepted an answer" in reply_text(bot.reply_to(press))


async def test_forget_me_asks_for_confirmation_then_erases(bot):
    """/entraide forget-me shows a button; pressing it erases the member's data."""
    ask = payloads.slash("entraide", command="forget-me")
    await bot.feed("INTERACTION_CREATE", ask)
    confirm = bot.reply_to(ask)["components"][0]["components"][0]
    assert confirm["custom_id"] == f"entraide|{payloads.GUILD}|{CONFIRM}|{payloads.ALICE}"
    press = payloads.button(confirm["custom_id"], channel=payloads.GENERAL)
    await bot.feed("INTERACTION_CREATE", press)
    assert "Done." in reply_text(bot.reply_to(press))


async def test_a_button_that_is_not_ours_is_left_alone(bot):
    """Another app's component on the same server gets no answer from us."""
    await bot.feed("INTERACTION_CREATE", payloads.button("someone-else:vote"))
    assert bot.fake.calls_to("POST", r"/interactions/.*") == []


async def test_a_failure_in_the_core_still_answers_the_member(bot, caplog, monkeypatch):
    """An unexpected error is logged with its community, and the member is not left "thinking"."""

    async def unreachable(*args, **kwargs):
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(Search, "find", unreachable)
    event = payloads.slash("search", query="polls", locale="fr")
    await bot.feed("INTERACTION_CREATE", event)
    assert "Un problème est survenu" in reply_text(bot.reply_to(event))
    assert any(COMMUNITY in r.getMessage() for r in caplog.records if r.levelname == "ERROR")


async def test_the_accept_answer_menu_accepts_for_the_asker_only(bot):
    """The message menu on an answer: the asker's resolves the question, anyone else's is refused."""
    card = await bot.ask()
    answer = await bot.answer(card, "Short polls every 20 minutes")
    refused = payloads.accept_answer(answer, card, member_id=payloads.CAROL)
    await bot.feed("INTERACTION_CREATE", refused)
    assert "Only the person who asked" in reply_text(bot.reply_to(refused))
    assert (await bot.question()).status is QuestionStatus.ANSWERED
    accepted = payloads.accept_answer(answer, card)
    await bot.feed("INTERACTION_CREATE", accepted)
    assert (await bot.question()).status is QuestionStatus.RESOLVED
    assert "resolved" in reply_text(bot.reply_to(accepted))


async def test_the_accept_answer_menu_on_a_message_that_is_no_answer_says_so(bot):
    """Used on any other message, the menu explains instead of failing."""
    event = payloads.accept_answer("1180000000000009999", payloads.GENERAL)
    await bot.feed("INTERACTION_CREATE", event)
    assert "not an answer" in reply_text(bot.reply_to(event))


async def test_an_interaction_the_database_cannot_keep_is_not_acknowledged(bot, monkeypatch):
    """Kept before it is deferred: with the database away, Discord gets no deferral (and tells
    the member it did not go through), and nothing was done."""

    async def database_away(*args, **kwargs):
        raise ConnectionError("the database is away")

    monkeypatch.setattr(Events, "receive", database_away)
    await bot.feed("INTERACTION_CREATE", payloads.slash("ask", question="Anyone there?"))
    assert bot.fake.calls_to("POST", r"/interactions/.*") == []
    assert await bot.question() is None


async def test_an_interaction_deferred_by_an_instance_that_died_is_answered_by_another(
    bot, monkeypatch
):
    """The deferral reached Discord, then the instance died: a tick of another instance
    asks the question once and replaces the member's "thinking…" with the reply."""
    dying, _ = make_adapter(bot.store, bot.fake)
    await dying.login()
    dying.client._connection.parse_guild_create(payloads.guild())
    # Discord takes the deferral but its answer never comes back: the instance is killed then.
    bot.fake.fail("POST", r"/interactions/\d+/.+/callback", 200, after_effect=True, hang=True)
    event = payloads.slash("ask", question="Who answers when an instance dies?")
    dying.client._connection.parsers["INTERACTION_CREATE"](event)
    await bot.fake.hanging.wait()
    for task in list(dying._work):
        task.cancel()
    await dying.stop()
    assert await bot.question() is None  # deferred, never handled

    now = bot.core.clock.now()
    assert await replay_unhandled(bot.adapter.entraide, [bot.adapter], now) == 0  # not yet
    later = now + timedelta(minutes=2)
    assert await replay_unhandled(bot.adapter.entraide, [bot.adapter], later) == 1
    await settle(bot.adapter)
    await bot.adapter.entraide.deliver_due()
    assert await replay_unhandled(bot.adapter.entraide, [bot.adapter], later) == 0
    assert (await bot.question()).title == "Who answers when an instance dies?"
    assert len(bot.fake.posted_in(payloads.HELP)) == 1
    assert "Q1" in reply_text(bot.reply_to(event))

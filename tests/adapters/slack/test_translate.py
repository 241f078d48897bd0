"""Slack payloads (recorded shapes) → core commands."""

from __future__ import annotations

from adapters.slack import modal, translate
from adapters.slack.members import member_from
from adapters.slack.translate import Member
from bot.commands import Ask, ButtonPressed, MessagePosted, ReactionAdded, ReactionRemoved
from tests.adapters.slack.payloads import fixture

ALICE = Member("U0ALICE", "Alice", locale="en-US")


def test_a_slash_command_carries_its_text_channel_and_trigger_id_as_key():
    """Commands have no event id: the trigger id de-duplicates."""
    command = translate.slash_command(fixture("slash_command"), ALICE)
    assert command.name == "ask" and command.channel_id == "C0GENERAL"
    assert command.text == "How do I keep learners engaged?"
    assert command.event_key == "13345224609.738474920.8088930838d88f008e0"
    assert command.actor.community_id == "slack:T0TEAM" and command.actor.locale == "en-US"


def test_slash_command_text_is_unescaped_and_links_unwrapped():
    """&amp; and <url|label> become what the member typed."""
    body = fixture("slash_command") | {
        "command": "/share",
        "text": "<https://example.com/a?b=1&amp;c=2|example.com/a> #tools Q&amp;A &lt;3",
    }
    assert (
        translate.slash_command(body, ALICE).text == "https://example.com/a?b=1&c=2 #tools Q&A <3"
    )


def test_channels_stay_as_ids_only_where_a_setting_takes_them():
    """/entraide keeps <#C…>; other commands read #name and @name."""
    entraide = fixture("slash_command") | {
        "command": "/entraide",
        "text": "config help-channel <#C0HELP|help>",
    }
    ask = fixture("slash_command") | {"text": "Where is <#C0HELP|help>? cc <@U0BOB|bob>"}
    assert translate.slash_command(entraide, ALICE).text == "config help-channel <#C0HELP|help>"
    assert translate.slash_command(ask, ALICE).text == "Where is #help? cc @bob"


def test_special_mentions_are_kept_so_that_the_core_refuses_them():
    """<!here> and user groups survive decoding; dates show their text."""
    text = "Hello <!here> and <!subteam^S0123|@trainers> on <!date^1700000000^{date}|Nov 14>"
    assert translate.decode(text) == "Hello <!here> and <!subteam^S0123|@trainers> on Nov 14"
    assert translate.decode("a <> b &amp;lt;") == "a <> b &lt;"


def test_ask_with_no_text_opens_the_form():
    """Only an empty /ask opens the modal."""
    assert translate.opens_modal(fixture("slash_command") | {"text": "  "})
    assert not translate.opens_modal(fixture("slash_command"))
    assert not translate.opens_modal(fixture("slash_command") | {"command": "/search", "text": ""})


def test_a_thread_reply_is_a_message_in_the_thread_with_channel_scoped_ids():
    """Message and thread ids are channel:ts; event_id is the key."""
    command = translate.event(fixture("event_message_thread_reply"), Member("U0BOB"), "U0BOT", {})
    assert isinstance(command, MessagePosted)
    assert command.message_id == "C0HELP:1700000100.000200"
    assert command.thread_id == "C0HELP:1700000001.000001"
    assert command.event_key == "Ev0MESSAGE" and command.text == "Try short polls every 20 minutes"


def test_a_channel_message_has_no_thread():
    """Without thread_ts, a message is not in a thread."""
    body = fixture("event_message_thread_reply")
    del body["event"]["thread_ts"]
    command = translate.event(body, Member("U0BOB"), "U0BOT", {})
    assert isinstance(command, MessagePosted) and command.thread_id is None


def test_mentions_in_a_message_become_names():
    """Unlabelled mentions are named from users.info."""
    body = fixture("event_message_thread_reply")
    body["event"]["text"] = "<@U0CAROL> knows, see <https://example.com|example.com>"
    command = translate.event(body, Member("U0BOB"), "U0BOT", {"U0CAROL": "Carol"})
    assert command.text == "@Carol knows, see https://example.com"
    assert translate.mentioned_ids(body["event"]["text"]) == {"U0CAROL"}


def test_edits_deletions_joins_and_bot_posts_are_not_commands():
    """Only members' own messages become MessagePosted."""
    for subtype in ("message_changed", "message_deleted", "channel_join", "bot_message"):
        body = fixture("event_message_thread_reply")
        body["event"]["subtype"] = subtype
        assert translate.event(body, Member("U0BOB"), "U0BOT", {}) is None


def test_messages_from_bots_and_from_entraide_itself_are_marked_as_bots():
    """bot_id, the bot's own user and bot members all count as bots."""
    body = fixture("event_message_thread_reply")
    assert translate.from_bot(body["event"] | {"bot_id": "B0OTHER"}, "U0BOT")
    assert translate.from_bot(body["event"] | {"user": "U0BOT"}, "U0BOT")
    command = translate.event(body, Member("U0BOB", is_bot=True), "U0BOT", {})
    assert command.actor.is_bot


def test_reactions_name_the_message_its_author_and_the_emoji():
    """reaction_added/removed carry item, item_user and the emoji name."""
    added = translate.event(fixture("event_reaction_added"), ALICE, "U0BOT", {})
    assert isinstance(added, ReactionAdded)
    assert (added.message_id, added.emoji, added.message_author_id) == (
        "C0HELP:1700000100.000200",
        "white_check_mark",
        "U0BOB",
    )
    body = fixture("event_reaction_added")
    body["event"]["type"] = "reaction_removed"
    assert isinstance(translate.event(body, ALICE, "U0BOT", {}), ReactionRemoved)


def test_reactions_to_files_are_not_commands():
    """Only reactions to messages matter."""
    body = fixture("event_reaction_added")
    body["event"]["item"] = {"type": "file", "file": "F0123"}
    assert translate.event(body, ALICE, "U0BOT", {}) is None


def test_a_button_press_gives_back_the_cores_action_and_value():
    """action_id's suffix is dropped; action_ts and user make the key."""
    [press] = translate.button_presses(fixture("block_actions"), ALICE)
    assert isinstance(press, ButtonPressed)
    assert (press.action, press.value, press.channel_id) == ("question:close", "1", "C0HELP")
    assert press.event_key == "1700000300.000400:U0ALICE"


def test_the_ask_form_submission_is_an_ask_with_its_fields():
    """view_submission values and private_metadata make an Ask."""
    body = fixture("view_submission")
    command = translate.ask(body, ALICE, modal.submission(body["view"]))
    assert isinstance(command, Ask)
    assert (command.channel_id, command.title, command.details, command.tags) == (
        "C0GENERAL",
        "Icebreakers for 30 people?",
        "Online, 2 hours",
        ("#online groups",),
    )
    assert not command.anonymous and command.event_key == "12466734323.1395872398.hijklmn"


def test_the_ask_form_is_built_from_the_spec_in_the_members_language():
    """The modal follows the /ask spec, in the member's language."""
    form = modal.ask_modal("fr-FR", "C0GENERAL", "https://hooks.example/1")
    assert form["title"]["text"] == "Poser une question"
    assert [block["block_id"] for block in form["blocks"]] == [
        "question",
        "details",
        "tags",
        "anonymous",
    ]
    assert form["blocks"][0]["element"]["max_length"] == 300
    assert modal.submission(form | {"state": {"values": {}}}).response_url == (
        "https://hooks.example/1"
    )


def test_workspace_admins_are_organisers_and_their_locale_and_zone_are_kept():
    """is_admin makes an organiser; the locale and the time zone (``tz``) are kept."""
    member = member_from(fixture("users_info")["user"])
    assert member == Member(
        "W012A3CDE", "spengler", is_organiser=True, locale="fr-FR", timezone="Europe/Paris"
    )


def test_every_payload_names_its_community():
    """team_id or team.id: slack:<team> from every payload shape."""
    for name in ("slash_command", "event_reaction_added", "block_actions", "view_submission"):
        assert translate.community_id(fixture(name)) == "slack:T0TEAM"

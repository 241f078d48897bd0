"""Any input through ``Entraide.handle``: it never raises, and what is refused changes nothing.

Hypothesis draws texts (any code point: NUL, lone surrogates, bidi overrides, tag
characters), numbers and button values for every command that takes text, for
buttons and for reactions, on SQLite and PostgreSQL. A refusal is a private reply
that reads as one of the translated ``error.*`` messages; after one, what the
community holds — its export, its settings and schedules as members read them,
its members' topics — is what it was before.

The community is built once per test (the ``world`` fixture): examples add to it on
purpose, and each compares before and after itself, so the function-scoped fixture
is shared knowingly (the profile in ``tests/conftest.py`` suppresses that health
check and bounds the number of examples).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot import privacy
from bot.commands import (
    AcceptAnswer,
    Ask,
    ButtonPressed,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    SlashCommand,
)
from bot.export import community_knowledge
from bot.i18n import LANGUAGES, catalogue
from bot.questions import closing, nudge, routing
from bot.questions.answers import ACCEPT
from bot.questions.asking import POST_DRAFT, WITHDRAW_DRAFT
from bot.questions.card import CLOSE, REOPEN
from bot.replies import Message
from tests.conftest import START, Community, make_community

MEMBERS = ("alice", "bob", "olga")  # olga is a configured organiser


def _as_pattern(template: str) -> str:
    return "".join(
        re.escape(literal) + (".*" if field is not None else "")
        for literal, field, _, _ in string.Formatter().parse(template)
    )


_REFUSALS = re.compile(
    "|".join(
        f"(?:{_as_pattern(text)})"
        for language in LANGUAGES
        for key, text in catalogue(language).items()
        if key.startswith("error.")
    ),
    re.DOTALL,
)


def refused(reply: Message | None) -> bool:
    """What the member sees: a private reply that is one of the translated errors."""
    return reply is not None and bool(_REFUSALS.fullmatch(reply.plain_text()))


# -- what members may type ---------------------------------------------------------------

# Pieces that reach the rules the README states, mixed with anything at all.
PIECES = (
    " ",
    "\n",
    " | ",
    "|",
    "#",
    "#tag",
    "#c++",
    "#!/bin/bash",
    "--anonymous ",
    "--anonyme",
    "@everyone",
    "<!channel>",
    "<@&123>",
    "\x00",
    "\x07",
    "\u202e",
    "\u200b",
    "\u200d",
    "\ufe0f",
    "\u3164",
    "\U000e0041",
    "👩‍🏫",
    "https://example.com/page",
    "https://éxample.com/",
    "http://0x7f.1/",
    "http://[::1]/",
    "https://example.com:0/",
    "99999999999999999999999",
    "x" * 301,
    "d" * 3001,
)
any_text = st.lists(
    st.one_of(st.text(st.characters(exclude_categories=()), max_size=20), st.sampled_from(PIECES)),
    max_size=6,
).map("".join)
any_number = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True).map(str),
    st.sampled_from(["1", "2", "3", "0", "-1", "+1", " 1", "١", "1_0", "0x1", "2147483648"]),
)
organiser = st.booleans()
member = st.sampled_from(MEMBERS)

ENTRAIDE_WORDS = (
    "",
    "config ",
    "config help-channel ",
    "config resources-channel ",
    "config language ",
    "config timezone ",
    "config helpful-emoji ",
    "config reminder-delay ",
    "schedule ",
    "schedule prompts #practice ",
    "schedule digest #general friday ",
    "topics add ",
    "topics remove ",
    "topics off ",
    "topics on ",
    "history ",
    "history Q",
    "prompt add ",
    "stats ",
    "forget-me ",
)


# -- the community the examples act on -----------------------------------------------------


@dataclass
class World:
    community: Community
    card: str  # a question's message
    answer: str  # an answer in its thread
    resource_post: str  # a resource's post in the resources channel
    prompt: str  # a practice prompt's post
    digest: str  # the weekly digest's post
    with_link: str  # a member's message with a link
    known: tuple | None = None  # the last snapshot, while nothing has changed since

    async def snapshot(self) -> tuple:
        """What the community holds, as its export and its members read it."""
        community = self.community
        async with community.store.transaction() as tx:
            knowledge = await community_knowledge(tx, community.id)
            topics = [await tx.communities.topics(community.id, name) for name in MEMBERS]
        config = await community.command("olga", "entraide", "config")
        schedules = await community.command("olga", "entraide", "schedule")
        return knowledge, topics, config.plain_text(), schedules.plain_text()

    async def handle_checked(self, command) -> Message | None:
        """Handle ``command``: it must not raise, and a refusal must leave everything as it was.

        Only commands change the community here: after a refusal, what it holds is known
        until the next command, and need not be read again before it."""
        before = self.known or await self.snapshot()
        reply = await self.community.entraide.handle(command)
        self.known = None
        if refused(reply):
            assert reply.private
            after = await self.snapshot()
            assert after == before, reply.plain_text()
            self.known = after
        return reply


@pytest.fixture
async def world(db) -> World:
    community = make_community(db, resources_channel="resources")
    card = await community.ask("alice", "How do I keep learners engaged? #engagement")
    answer = await community.reply("bob", card, "Short polls every 20 minutes")
    await community.command("bob", "share", "https://example.com/guide #tools Nice")
    await community.command("olga", "entraide", "schedule prompts #practice monday 09:00 UTC")
    await community.command("olga", "entraide", "schedule digest #general monday 09:30 UTC")
    community.clock.set(START + timedelta(hours=2))
    await community.entraide.run_due(community.clock.now())
    [prompt] = community.chat.posts_in("practice")
    [digest] = community.chat.posts_in("general")
    return World(
        community,
        card,
        answer,
        community.chat.posts_in("resources")[0].message_id,
        prompt.message_id,
        digest.message_id,
        community.chat.member_message("general", "bob", "See https://example.org/talk"),
    )


def actor(world: World, name: str, is_organiser: bool):
    return world.community.actor(name, organiser=is_organiser)


# -- the properties -------------------------------------------------------------------------


@given(
    name=st.sampled_from(["ask", "share", "resources", "search"]),
    text=any_text,
    who=member,
    is_organiser=organiser,
)
# What the issue found, tried every time (the drawn examples vary from run to run):
@example(name="ask", text="--anonyme Comment garder l’attention ?", who="bob", is_organiser=False)
@example(name="ask", text=" | details only", who="bob", is_organiser=False)
@example(name="ask", text="Left\u200emark \u3164 #!/bin/bash", who="bob", is_organiser=False)
@example(name="share", text="https://example.com/a\x00b #x", who="bob", is_organiser=False)
@example(name="share", text="http://0x7f.0x0.0x0.0x1/", who="bob", is_organiser=False)
@example(name="search", text="\x00\ud800", who="bob", is_organiser=False)
@example(name="resources", text="\x00 #\x00", who="bob", is_organiser=False)
async def test_any_text_in_a_slash_command(world, name, text, who, is_organiser):
    await world.handle_checked(SlashCommand(actor(world, who, is_organiser), "general", name, text))


@given(
    words=st.sampled_from(ENTRAIDE_WORDS),
    text=st.one_of(any_text, any_number),
    who=member,
    is_organiser=organiser,
)
@example(words="config helpful-emoji ", text="@everyone", who="olga", is_organiser=True)
@example(words="config help-channel ", text="<#C\x00>", who="olga", is_organiser=True)
@example(words="config timezone ", text="Europe/Paris\x00", who="olga", is_organiser=True)
@example(
    words="schedule prompts #practice ", text="monday 09:30 UTC x", who="olga", is_organiser=True
)
@example(words="topics add ", text="\x00", who="bob", is_organiser=False)
@example(words="prompt add ", text="\x00", who="olga", is_organiser=True)
async def test_any_text_in_an_entraide_command(world, words, text, who, is_organiser):
    command = SlashCommand(actor(world, who, is_organiser), "general", "entraide", words + text)
    await world.handle_checked(command)


@given(
    title=any_text,
    details=any_text,
    tags=st.lists(any_text, max_size=12).map(tuple),
    anonymous=st.booleans(),
    who=member,
)
@example(title="\x00", details="\ud800", tags=("\x00",), anonymous=True, who="bob")
async def test_any_fields_in_the_ask_form(world, title, details, tags, anonymous, who):
    command = Ask(actor(world, who, False), "general", title, details, tags, anonymous)
    await world.handle_checked(command)


@given(
    where=st.sampled_from(["card", "prompt", "digest", "nowhere", "channel"]),
    text=any_text,
    who=member,
)
@example(where="card", text="With\x00 a story\ud800", who="bob")
@example(where="prompt", text="\x00", who="bob")
@example(where="digest", text="\x00", who="bob")
async def test_any_text_in_a_reply(world, where, text, who):
    """Replies are recorded as said (never refused), without what a database cannot hold."""
    thread = {"nowhere": "no-such-message", "channel": None}.get(where, getattr(world, where, None))
    message_id = world.community.chat.member_message("help", who, text)
    command = MessagePosted(actor(world, who, False), "help", message_id, text, thread)
    assert await world.handle_checked(command) is None


@given(
    action=st.one_of(
        st.sampled_from(
            [
                CLOSE,
                REOPEN,
                POST_DRAFT,
                WITHDRAW_DRAFT,
                ACCEPT,
                privacy.CONFIRM,
                closing.SOLVED_ELSEWHERE,
                closing.DUPLICATE,
                closing.NOT_NEEDED,
                closing.DUPLICATE_OF,
                routing.TAKE,
                routing.DECLINE,
                nudge.STILL_OPEN,
            ]
        ),
        any_text,
    ),
    value=st.one_of(any_number, any_text, member),
    who=member,
    is_organiser=organiser,
)
@example(action=CLOSE, value="99999999999999999999999", who="alice", is_organiser=False)
@example(action=ACCEPT, value="2147483648", who="alice", is_organiser=False)
@example(action=privacy.CONFIRM, value="\x00", who="alice", is_organiser=False)
@example(action=closing.DUPLICATE_OF, value="1:1", who="alice", is_organiser=False)
@example(action=closing.DUPLICATE_OF, value="1:2147483648", who="olga", is_organiser=True)
@example(action=routing.TAKE, value="1", who="bob", is_organiser=False)
async def test_any_button_value(world, action, value, who, is_organiser):
    await world.handle_checked(
        ButtonPressed(actor(world, who, is_organiser), "help", action, value)
    )


@given(
    target=st.sampled_from(["card", "answer", "resource_post", "with_link", "typed", "unknown"]),
    emoji=st.one_of(
        st.sampled_from(["white_check_mark", "✅", "eyes", "bookmark", "🔖", "+1"]), any_text
    ),
    linked=any_text,
    added=st.booleans(),
    who=member,
    is_organiser=organiser,
)
@example(
    target="typed",
    emoji="bookmark",
    linked="example.com/a\x00b",
    added=True,
    who="alice",
    is_organiser=False,
)
@example(target="answer", emoji="\x00", linked="", added=True, who="alice", is_organiser=False)
async def test_any_reaction(world, target, emoji, linked, added, who, is_organiser):
    """On any message, with any emoji; a bookmark on a message with any link in it."""
    chat = world.community.chat
    if target == "typed":
        message_id = chat.member_message("general", "bob", f"see https://{linked}")
    elif target == "unknown":
        message_id = "no-such-message"
    else:
        message_id = getattr(world, target)
    known = chat.messages.get(message_id)
    kind = ReactionAdded if added else ReactionRemoved
    command = kind(
        actor(world, who, is_organiser),
        "general",
        message_id,
        emoji,
        known.author_id if known else None,
    )
    await world.handle_checked(command)


# Message ids come from the platform, never typed: any printable id, known or not.
any_message_id = st.one_of(
    st.sampled_from(["m1", "m2", "m3", "m4", "m5", "m6"]),
    any_number,
    st.text(string.printable, max_size=40),
)


@given(message_id=any_message_id, who=member)
async def test_any_message_to_accept(world, message_id, who):
    await world.handle_checked(AcceptAnswer(actor(world, who, False), "help", message_id))

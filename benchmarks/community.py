"""A month of a 120-member community, run through the core twice: today's reminders alone,
then the whole loop (round-ups, routing, nudges), on the same seeded script.

Every member action goes through ``Entraide.handle`` (``/ask``, thread replies, reactions,
button presses) on a real SQLite store with a recording chat; time is a ``ManualClock``
moved in 15-minute steps, each step running ``run_due`` and delivering what was queued.
What members do is the behaviour model (the README states it): a script drawn once from the
seed (who asks what, when; who would answer anyway; which askers would accept anyway) and
reactions to what the bot sends them, each drawn from a generator seeded by (seed, what,
who), so that both runs face the same members.

"Today" is the per-question reminder the core had before (reproduced here as it was: each
unanswered question posted again in the help channel every 24 h, three times, and each
member who declared one of its topics told privately each time), with round-ups, routing
and nudges switched off. "Loop" is the core as it is.

It prints, side by side: % of questions answered within 24 h, % accepted, median time to
a first answer, bot posts in the help channel per week (reminders and round-ups; all
top-level posts), the most private messages one member received in a day, the most
routed requests one member received in a day; then one PASS/FAIL line per target.

    python benchmarks/community.py [--seed N] [--days N]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import itertools
import random
import statistics
import sys
import tempfile
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import delivery
from bot.clock import ManualClock
from bot.commands import Actor, ButtonPressed, MessagePosted, ReactionAdded, SlashCommand
from bot.core import Core
from bot.domain import CommunitySettings
from bot.prompts import load_library
from bot.questions.answers import ACCEPT
from bot.questions.asking import POST_DRAFT
from bot.questions.nudge import STILL_OPEN
from bot.questions.routing import DECLINE, TAKE
from bot.replies import Message, Style, plain
from bot.service import Entraide
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store

SEED = 20261213
COMMUNITY, HELP = "bench", "help"
ZONE = ZoneInfo("Europe/Paris")
START = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 in Paris
STEP = timedelta(minutes=15)
TAIL = timedelta(days=4)  # after the month of asking: answers and acceptances still come

# -- the behaviour model ----------------------------------------------------------------
MEMBERS = 120
TOPICS = (
    "onboarding",
    "remote",
    "feedback",
    "tools",
    "assessment",
    "engagement",
    "accessibility",
    "facilitation",
)
HELPERS = 40  # members who know one or two topics; the first half declared them
QUESTIONS_PER_WEEKDAY = 6  # asked between 09:00 and 18:00, Paris time
UNTAGGED = 0.10
ANONYMOUS = 0.10
SPONTANEOUS_ANSWER = 0.40  # someone who knows the topic answers anyway…
SPONTANEOUS_DELAY_H = 5.0  # …after about this long (exponential)
SECOND_ANSWER = 0.25  # and a second one comes after the first
HELPFUL_MARK = 0.30  # an answer is marked helpful by a reader
ASKER_ACCEPTS = 0.35  # askers who accept an answer without being asked…
ASKER_DELAY_H = 10.0  # …this long after the first answer
CHANNEL_ANSWER = 0.12  # per question raised in a channel post (reminder or round-up)
FOLLOWER_ANSWER = 0.20  # per question a follower is told about privately
ROUTED_ANSWER = 0.55  # a member asked privately answers (half of them press "I'll take it")
ROUTED_DECLINE = 0.25  # …or presses "Not for me"; else they ignore it
REACTION_DELAY_H = 3.0
NUDGED_ACCEPTS = 0.60  # an asker asked which answer helped accepts one…
NUDGED_STILL_OPEN = 0.30  # …or says it is still open
AWAKE = (8, 21)  # members act between these hours, Paris time

TARGET_POSTS_PER_WEEK = 7
TARGET_ROUTED_PER_DAY = 2


def draw(seed: int, *what: object) -> random.Random:
    """A generator for one decision, the same in both runs whatever happened before."""
    return random.Random(zlib.crc32(repr((seed, *what)).encode()))


def awake(moment: datetime, rng: random.Random) -> datetime:
    """The moment, or the next morning when members are asleep."""
    local = moment.astimezone(ZONE)
    if AWAKE[0] <= local.hour < AWAKE[1]:
        return moment
    day = local.date() + timedelta(days=1 if local.hour >= AWAKE[1] else 0)
    morning = datetime(day.year, day.month, day.day, AWAKE[0], tzinfo=ZONE)
    return morning.astimezone(UTC) + timedelta(minutes=rng.randrange(0, 120))


def later(moment: datetime, mean_hours: float, rng: random.Random) -> datetime:
    return awake(moment + timedelta(hours=rng.expovariate(1 / mean_hours)), rng)


@dataclass(frozen=True)
class Asked:
    at: datetime
    asker: str
    tag: str | None
    anonymous: bool


@dataclass
class Script:
    """What the month holds whatever the bot does."""

    members: list[str]
    expertise: dict[str, tuple[str, ...]]  # helper → topics
    declared: set[str]
    questions: list[Asked]


def script(seed: int, days: int) -> Script:
    rng = random.Random(seed)
    members = [f"m{n:03d}" for n in range(MEMBERS)]
    helpers = members[:HELPERS]
    expertise = {h: tuple(rng.sample(TOPICS, rng.choice((1, 2)))) for h in helpers}
    questions = []
    for day in range(days):
        date = (START + timedelta(days=day)).astimezone(ZONE).date()
        if date.weekday() >= 5:
            continue
        for _ in range(QUESTIONS_PER_WEEKDAY):
            local = datetime(date.year, date.month, date.day, 9, tzinfo=ZONE)
            at = (local + timedelta(minutes=rng.randrange(0, 9 * 60))).astimezone(UTC)
            tag = None if rng.random() < UNTAGGED else rng.choice(TOPICS)
            questions.append(Asked(at, rng.choice(members), tag, rng.random() < ANONYMOUS))
    questions.sort(key=lambda q: q.at)
    return Script(members, expertise, set(helpers[: HELPERS // 2]), questions)


# -- a platform that records ----------------------------------------------------------------


@dataclass
class Sent:
    at: datetime
    channel: str | None
    member: str | None
    message: Message
    message_id: str


class RecordingChat:
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.sent: list[Sent] = []
        self._ids = itertools.count(1)

    def _record(self, channel, member, message) -> str:
        message_id = f"b{next(self._ids)}"
        self.sent.append(Sent(self.clock.now(), channel, member, message, message_id))
        return message_id

    async def post(self, community_id, channel_id, message, thread_id=None, *, key=None) -> str:
        return self._record(
            channel_id if thread_id is None else f"thread:{thread_id}", None, message
        )

    async def send_private(self, community_id, member_id, message, *, key=None) -> str:
        return self._record(None, member_id, message)

    async def edit(self, community_id, channel_id, message_id, message) -> None:
        pass

    async def add_reaction(self, community_id, channel_id, message_id, emoji) -> None:
        pass

    async def find_post(self, *args, **kwargs) -> str | None:
        return None

    async def fetch_message(self, community_id, channel_id, message_id):
        return None


# -- today's reminders, as the core made them before round-ups ------------------------------


async def legacy_reminders(core: Core, now: datetime, rounds: int = 3) -> None:
    """Round k of an unanswered question at k × delay: a post in its channel, and a private
    copy to each member who declared one of its topics."""
    async with core.store.transaction() as tx:
        due = []
        for question in await tx.questions.unanswered(now, rounds):
            settings = await core.settings(tx, question.community_id)
            if question.created_at + settings.reminder_delay * (question.reminders_sent + 1) <= now:
                due.append(question)
    for question in due:
        async with core.store.transaction() as tx:
            round_ = question.reminders_sent + 1
            if not await tx.questions.add_reminder(question, round_, now):
                continue
            message = Message(
                lines=((plain(f"Waiting for an answer: Q{question.id} {question.title}"),),),
                refers_to=question.message_id,
            )
            key = f"reminder:{question.id}:{round_}"
            cid = question.community_id
            await delivery.post(core, tx, cid, question.channel_id, key, message=message)
            followers = await tx.communities.topic_followers(cid, question.tags)
            for member in followers:
                if member != question.asker_id:
                    await delivery.private(core, tx, cid, member, f"{key}:{member}", message)


# -- one run ----------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    loop: bool
    seed: int
    script: Script
    end: datetime
    actions: list = field(default_factory=list)
    order: itertools.count = field(default_factory=itertools.count)
    seen: int = 0  # messages of the chat already read by members

    def at(self, moment: datetime, action: Callable[[], Awaitable[None]]) -> None:
        if moment <= self.end:
            heapq.heappush(self.actions, (moment, next(self.order), action))


async def simulate(name: str, loop: bool, seed: int, days: int, folder: Path) -> dict:
    plan = script(seed, days)
    end = START + timedelta(days=days) + TAIL
    engine = create_engine(f"sqlite:///{folder / f'{name}.db'}")
    await upgrade(engine)
    store = Store(engine)
    clock = ManualClock(START)
    chat = RecordingChat(clock)
    core = Core(
        store=store,
        chat=chat,
        clock=clock,
        library=load_library(),
        defaults=CommunitySettings(community_id="", help_channel=HELP, timezone="Europe/Paris"),
    )
    if not loop:
        core.max_reminders = 0  # no round-ups: the legacy reminders below instead
        core.routing_per_day = 0
        core.nudge_after = timedelta(days=3650)
    entraide = Entraide(core)
    run = Run(name, loop, seed, plan, end)

    def actor(member: str) -> Actor:
        return Actor(COMMUNITY, member, member)

    async def handle(command) -> None:
        await entraide.handle(command)

    async def question_of(number: int):
        async with store.transaction() as tx:
            return await tx.questions.get(COMMUNITY, number)

    async def answers_of(number: int):
        async with store.transaction() as tx:
            return await tx.questions.answers(COMMUNITY, number)

    async def answer(number: int, member: str, why: str) -> None:
        question = await question_of(number)
        if (
            question is None
            or question.message_id is None
            or question.status.value
            in (
                "resolved",
                "closed",
            )
        ):
            return
        if member == question.asker_id:
            return
        text = f"{member} answers Q{number} ({why})"
        reply = f"r{number}-{member}-{next(run.order)}"
        await handle(MessagePosted(actor(member), HELP, reply, text, thread_id=question.message_id))
        rng = draw(seed, "helpful", number, member)
        if rng.random() < HELPFUL_MARK:
            reader = rng.choice(plan.members)
            if reader not in (member, question.asker_id):
                run.at(
                    later(clock.now(), 2, rng),
                    lambda: handle(
                        ReactionAdded(actor(reader), HELP, reply, "white_check_mark", member)
                    ),
                )
        first = await answers_of(number)
        if len(first) == 1:  # the first answer: the asker may accept anyway, and a second may come
            rng = draw(seed, "asker", number)
            if rng.random() < ASKER_ACCEPTS:
                run.at(later(clock.now(), ASKER_DELAY_H, rng), lambda: accept(number))
            rng = draw(seed, "second", number)
            if rng.random() < SECOND_ANSWER:
                other = expert(number, question.tags, rng, exclude={member})
                run.at(
                    later(clock.now(), SPONTANEOUS_DELAY_H, rng),
                    lambda: answer(number, other, "second"),
                )

    def expert(number: int, tags, rng: random.Random, exclude=frozenset()) -> str:
        knowing = [
            h
            for h, topics in plan.expertise.items()
            if set(topics) & set(tags) and h not in exclude
        ]
        pool = knowing or [h for h in plan.expertise if h not in exclude]
        return rng.choice(pool)

    async def accept(number: int) -> None:
        question = await question_of(number)
        found = await answers_of(number)
        if question is None or not found or question.status.value != "answered":
            return
        await handle(ButtonPressed(actor(question.asker_id), HELP, ACCEPT, str(found[0].id)))

    async def ask(number: int, asked: Asked) -> None:
        # Words of its own, so that /ask finds no similar question to suggest instead.
        words = " ".join(f"w{number}x{k}" for k in range(6))
        text = ("--anonymous " if asked.anonymous else "") + f"Question {words}?"
        text += f" #{asked.tag}" if asked.tag else ""
        reply = await entraide.handle(SlashCommand(actor(asked.asker), HELP, "ask", text))
        if reply is not None and any(b.action == POST_DRAFT for b in reply.buttons):
            await handle(
                ButtonPressed(actor(asked.asker), HELP, POST_DRAFT, reply.buttons[0].value)
            )
        rng = draw(seed, "spontaneous", number)
        if rng.random() < SPONTANEOUS_ANSWER:
            who = expert(number, (asked.tag,) if asked.tag else (), rng, exclude={asked.asker})
            run.at(
                later(clock.now(), SPONTANEOUS_DELAY_H, rng), lambda: answer(number, who, "anyway")
            )

    for member, topics in plan.expertise.items():  # before the month: topics and resources
        if member in plan.declared:
            await handle(
                SlashCommand(actor(member), HELP, "entraide", "topics add " + " ".join(topics))
            )
        url = f"https://example.com/{member}/{topics[0]}"
        await handle(SlashCommand(actor(member), HELP, "share", f"{url} #{topics[0]}"))
    for number, asked in enumerate(plan.questions, start=1):
        run.at(asked.at, lambda n=number, a=asked: ask(n, a))
    card_of: dict[str, int] = {}

    async def read(sent: Sent) -> None:
        """Members react to what the bot sent them, or posted where they look."""
        message = sent.message
        title = "".join(s.text for s in message.title)
        if sent.member is None and sent.channel == HELP and message.status is not None:
            card_of[sent.message_id] = int(title[1:].split()[0])  # a question's card, "Q12 · …"
            return
        if sent.member is None and sent.channel == HELP:  # a reminder or a round-up
            targets = [s.target for line in message.lines for s in line if s.style is Style.MESSAGE]
            targets = targets or [message.refers_to]
            for target in targets:
                number = card_of.get(target or "")
                if number is None:
                    continue
                rng = draw(seed, "channel", number, sent.at)
                if rng.random() < CHANNEL_ANSWER:
                    question = await question_of(number)
                    who = expert(number, question.tags, rng, exclude={question.asker_id})
                    run.at(
                        later(sent.at, REACTION_DELAY_H, rng),
                        lambda n=number, w=who: answer(n, w, "raised"),
                    )
            return
        if sent.member is None:
            return
        member = sent.member
        actions = {b.action: b for b in message.buttons}
        if TAKE in actions:  # a routed request
            number = card_of.get(message.refers_to or "")
            rng = draw(seed, "routed", number, member)
            roll = rng.random()
            when = later(sent.at, REACTION_DELAY_H, rng)
            if roll < ROUTED_ANSWER:
                if rng.random() < 0.5:
                    take = actions[TAKE]
                    run.at(
                        when, lambda: handle(ButtonPressed(actor(member), HELP, TAKE, take.value))
                    )
                run.at(when + timedelta(minutes=30), lambda: answer(number, member, "asked"))
            elif roll < ROUTED_ANSWER + ROUTED_DECLINE:
                no = actions[DECLINE]
                run.at(when, lambda: handle(ButtonPressed(actor(member), HELP, DECLINE, no.value)))
        elif STILL_OPEN in actions:  # a nudge
            number = card_of.get(message.refers_to or "")
            rng = draw(seed, "nudged", number, len(message.buttons))
            roll = rng.random()
            when = later(sent.at, REACTION_DELAY_H, rng)
            if roll < NUDGED_ACCEPTS:
                run.at(when, lambda: accept(number))
            elif roll < NUDGED_ACCEPTS + NUDGED_STILL_OPEN:
                still = actions[STILL_OPEN]
                run.at(
                    when,
                    lambda: handle(ButtonPressed(actor(member), HELP, STILL_OPEN, still.value)),
                )
        elif not message.buttons:  # a topic reminder (a private copy, or a round-up of topics)
            targets = [s.target for line in message.lines for s in line if s.style is Style.MESSAGE]
            for target in targets or [message.refers_to]:
                number = card_of.get(target or "")
                if number is None:
                    continue
                rng = draw(seed, "follower", number, member, sent.at)
                if rng.random() < FOLLOWER_ANSWER:
                    run.at(
                        later(sent.at, REACTION_DELAY_H, rng),
                        lambda n=number: answer(n, member, "told"),
                    )

    now = START
    while now <= end:
        clock.set(now)
        while run.actions and run.actions[0][0] <= now:
            _, _, action = heapq.heappop(run.actions)
            await action()
            await entraide.deliver_due()
        if not loop:
            await legacy_reminders(core, now)
        await entraide.run_due(now)
        await entraide.deliver_due()
        while run.seen < len(chat.sent):
            await read(chat.sent[run.seen])
            run.seen += 1
        now += STEP
    figures = await measure(store, chat, days)
    await engine.dispose()
    return figures


async def measure(store: Store, chat: RecordingChat, days: int) -> dict:
    async with store.transaction() as tx:
        questions = await tx.questions.all(COMMUNITY)
        routed = await tx.routing.since(COMMUNITY, START)
    delays = [q.first_answer_at - q.created_at for q in questions if q.first_answer_at]
    within = sum(d <= timedelta(hours=24) for d in delays)
    accepted = sum(q.accepted_answer_id is not None for q in questions)
    top = [s for s in chat.sent if s.channel == HELP]
    raised = [s for s in top if s.message.status is None]  # not a question's card
    weeks = max(1, -(-days // 7))

    def per_week(sent: list[Sent]) -> list[int]:
        counts = Counter(
            min(weeks - 1, (s.at - START).days // 7)
            for s in sent
            if s.at - START < timedelta(days=weeks * 7)
        )
        return [counts.get(week, 0) for week in range(weeks)]

    private = Counter((s.member, s.at.astimezone(ZONE).date()) for s in chat.sent if s.member)
    # What the loop itself sends (reminders' private copies, topic round-ups, requests,
    # nudges), apart from the answers an anonymous asker is told about one by one.
    prompted = Counter(
        (s.member, s.at.astimezone(ZONE).date())
        for s in chat.sent
        if s.member and [b.action for b in s.message.buttons] != [ACCEPT]
    )
    routed_days = Counter((r.member_id, r.day) for r in routed)
    return {
        "questions": len(questions),
        "answered_24h": 100 * within / len(questions),
        "accepted": 100 * accepted / len(questions),
        "median_first": statistics.median(delays) if delays else None,
        "raised_per_week": per_week(raised),
        "top_per_week": per_week(top),
        "max_private_day": max(private.values(), default=0),
        "max_prompted_day": max(prompted.values(), default=0),
        "max_routed_day": max(routed_days.values(), default=0),
        "routed": len(routed),
        "private": sum(private.values()),
    }


def hours(delay: timedelta | None) -> str:
    if delay is None:
        return "—"
    minutes = int(delay.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d}"


def report(today: dict, loop: dict) -> bool:
    rows = [
        ("questions asked", f"{today['questions']}", f"{loop['questions']}"),
        ("answered within 24 h", f"{today['answered_24h']:.0f}%", f"{loop['answered_24h']:.0f}%"),
        ("accepted", f"{today['accepted']:.0f}%", f"{loop['accepted']:.0f}%"),
        (
            "median time to a first answer",
            hours(today["median_first"]),
            hours(loop["median_first"]),
        ),
        (
            "reminder posts in #help, per week",
            " ".join(map(str, today["raised_per_week"])),
            " ".join(map(str, loop["raised_per_week"])),
        ),
        (
            "all bot posts in #help, per week",
            " ".join(map(str, today["top_per_week"])),
            " ".join(map(str, loop["top_per_week"])),
        ),
        ("private messages, all members", f"{today['private']}", f"{loop['private']}"),
        (
            "most private messages, one member, one day",
            f"{today['max_private_day']}",
            f"{loop['max_private_day']}",
        ),
        (
            "…of reminders, requests and nudges",
            f"{today['max_prompted_day']}",
            f"{loop['max_prompted_day']}",
        ),
        (
            "routed requests (most to one member a day)",
            f"{today['routed']} ({today['max_routed_day']})",
            f"{loop['routed']} ({loop['max_routed_day']})",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'today (reminders)':>20}  {'loop':>20}")
    for label, before, after in rows:
        print(f"{label:{width}}  {before:>20}  {after:>20}")
    print()
    checks = [
        (
            f"help-channel posts from reminders at most {TARGET_POSTS_PER_WEEK} a week",
            max(loop["raised_per_week"]) <= TARGET_POSTS_PER_WEEK,
            f"at most {max(loop['raised_per_week'])} (today: {max(today['raised_per_week'])})",
        ),
        (
            f"no member over {TARGET_ROUTED_PER_DAY} routed requests a day",
            loop["max_routed_day"] <= TARGET_ROUTED_PER_DAY,
            f"at most {loop['max_routed_day']}",
        ),
        (
            "accepted share up on the same script",
            loop["accepted"] > today["accepted"],
            f"{today['accepted']:.0f}% → {loop['accepted']:.0f}%",
        ),
    ]
    for label, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}: {detail}")
    return all(ok for _, ok, _ in checks)


async def main(seed: int, days: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        print(f"seed {seed}, {days} days of questions and {TAIL.days} more, {MEMBERS} members")
        today = await simulate("today", False, seed, days, Path(folder))
        loop = await simulate("loop", True, seed, days, Path(folder))
    return 0 if report(today, loop) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--days", type=int, default=28)
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.seed, arguments.days)))

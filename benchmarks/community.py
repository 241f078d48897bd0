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
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from community_figures import measure, report
from community_model import (
    ASKER_ACCEPTS,
    ASKER_DELAY_H,
    CHANNEL_ANSWER,
    COMMUNITY,
    FOLLOWER_ANSWER,
    HELP,
    HELPFUL_MARK,
    MEMBERS,
    NUDGED_ACCEPTS,
    NUDGED_STILL_OPEN,
    REACTION_DELAY_H,
    ROUTED_ANSWER,
    ROUTED_DECLINE,
    SECOND_ANSWER,
    SEED,
    SPONTANEOUS_ANSWER,
    SPONTANEOUS_DELAY_H,
    START,
    STEP,
    TAIL,
    Asked,
    RecordingChat,
    Script,
    Sent,
    draw,
    later,
    script,
)

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

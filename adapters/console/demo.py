"""``entraide demo``: a generated quarter of a 40-member community, made through the console.

Everything happens as members would make it happen, line by line through the console
session (questions, answers, acceptances, reactions, shares, prompt replies), with the
simulated clock moving on between them, so that prompts, reminders and digests are
posted on time and every plot of the web pages has something to show. The same seed
gives the same community.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from adapters.console.app import ConsoleSession
from adapters.console.chat import BOT_NAME, ConsoleChat
from adapters.console.demo_text import ANSWERS, MEMBERS, QUESTIONS, RESOURCES, SHARES

WEEKS = 13
_POST_BUTTON = re.compile(r"!question:post (\d+)")
SETUP = [
    "alice: /entraide config help-channel #help",
    "alice: /entraide config resources-channel #resources",
    "alice: /entraide config timezone Europe/Paris",
    "alice: /entraide schedule prompts #practice monday 09:30",
    "alice: /entraide schedule digest #general friday 16:00",
]


@dataclass(order=True)
class Event:
    at: datetime
    order: int
    action: Callable[[], Awaitable[None]] = field(compare=False)


class Demo:
    """Plans a quarter of events, then plays them in time order through the session."""

    def __init__(
        self,
        session: ConsoleSession,
        chat: ConsoleChat,
        out: list[str],
        seed: int = 7,
        weeks: int = WEEKS,
    ):
        self.session, self.chat, self.out = session, chat, out
        self.weeks = weeks
        self.rng = random.Random(seed)
        self.events: list[Event] = []
        self.cards: dict[int, int] = {}  # planned question → its card's #N
        self.answers: dict[tuple[int, int], int] = {}  # (question, answer) → its message's #N
        self.resource_posts: dict[int, int] = {}
        # A few members carry most of the helping, as in real communities.
        self.weights = [8 if i < 5 else 3 if i < 15 else 1 for i in range(len(MEMBERS))]

    def at(self, when: datetime, action: Callable[[], Awaitable[None]]) -> None:
        self.events.append(Event(when, len(self.events), action))

    def someone(self, *besides: str) -> str:
        while True:
            member = self.rng.choices(MEMBERS, self.weights)[0]
            if member not in besides:
                return member

    # -- the plan -----------------------------------------------------------------

    def plan(self, start: datetime, end: datetime) -> None:
        question = 0
        for week in range(self.weeks):
            monday = start + timedelta(weeks=week)
            for _ in range(8 + week // 2 + self.rng.randint(0, 5)):
                asked = monday + timedelta(
                    days=self.rng.randint(0, 4), hours=self.rng.uniform(7, 17)
                )
                self.plan_question(question, asked)
                question += 1
            for _ in range(self.rng.randint(3, 5)):
                self.plan_resource(monday + timedelta(days=self.rng.uniform(0, 6)))
            self.plan_prompt_replies(monday)
        self.events = [e for e in self.events if e.at < end]

    def plan_question(self, number: int, asked: datetime) -> None:
        rng = self.rng
        text, tags = rng.choice(QUESTIONS)
        french = QUESTIONS.index((text, tags)) % 2
        asker = rng.choice(MEMBERS)
        anonymous = "--anonymous " if rng.random() < 0.1 else ""
        line = f"{asker}: /ask {anonymous}{text} " + " ".join(f"#{tag}" for tag in tags)
        self.at(asked, lambda: self.ask(number, line))
        for _ in range(rng.choice((0, 0, 1, 2))):
            self.at(asked + timedelta(hours=rng.uniform(1, 30)), self.react_to_card(number, "eyes"))
        if rng.random() > 0.82:
            return  # left unanswered: reminders will raise it
        delay = min(rng.lognormvariate(math.log(5 * 3600), 1.1), 5 * 86400)
        when = asked + timedelta(seconds=delay)
        helpers = []
        for index in range(rng.choice((1, 1, 2, 2, 3))):
            helper = self.someone(asker, *helpers)
            helpers.append(helper)
            answer = rng.choice(ANSWERS[french::2])
            self.at(when, self.answer(number, index, helper, answer))
            if rng.random() < 0.3:
                fan = self.someone(asker, helper)
                self.at(when + timedelta(hours=2), self.react_to_answer(number, index, fan))
            when += timedelta(hours=rng.uniform(0.5, 20))
        if rng.random() < 0.7:
            chosen = rng.randrange(len(helpers))
            self.at(when + timedelta(hours=rng.uniform(1, 40)), self.accept(number, chosen, asker))
        elif rng.random() < 0.2:
            self.at(when + timedelta(days=2), self.close(number, asker))

    def plan_resource(self, when: datetime) -> None:
        url, tags, note = self.rng.choice(RESOURCES)
        sharer = self.someone()
        line = f"{sharer}: /share {url} " + " ".join(f"#{t}" for t in tags) + f" {note}"
        self.at(when, lambda: self.share(url, line))
        for _ in range(self.rng.choice((0, 1, 1, 2, 3, 5))):
            fan = self.someone(sharer)
            later = when + timedelta(hours=self.rng.uniform(1, 96))
            self.at(later, self.upvote(url, fan))

    def plan_prompt_replies(self, monday: datetime) -> None:
        count = self.rng.randint(1, 8)
        for _ in range(count):
            member = self.someone()
            text = self.rng.choice(SHARES)
            when = monday + timedelta(hours=self.rng.uniform(10, 72))
            self.at(when, lambda m=member, t=text: self.line(f"{m}: #{self.prompt()} {t}"))

    # -- playing it ---------------------------------------------------------------

    async def play(self, start: datetime, end: datetime) -> None:
        for line in SETUP:
            await self.session.line(line)
        for event in sorted(self.events):
            if event.at > self.session.clock.now():
                await self.session.advance(event.at - self.session.clock.now())
            await event.action()
        await self.session.advance(max(end - self.session.clock.now(), timedelta(0)))

    async def line(self, text: str) -> None:
        if "#None" not in text:
            await self.session.line(text)

    def _last(self, channel: str, author: str = BOT_NAME, thread: int | None = None) -> int | None:
        for message in reversed(self.chat.messages.values()):
            if (
                message.channel_id == channel
                and message.author == author
                and message.thread_root == thread
            ):
                return message.number
        return None

    def prompt(self) -> int | None:
        return self._last("practice")

    async def ask(self, number: int, line: str) -> None:
        before = len(self.out)
        known = self._last("help")
        await self.session.line(line)
        button = next((m for text in self.out[before:] if (m := _POST_BUTTON.search(text))), None)
        if button:  # similar questions were suggested: the asker posts theirs anyway
            await self.session.line(f"{line.split(':')[0]}: !question:post {button.group(1)}")
        card = self._last("help")
        if card != known and card is not None:
            self.cards[number] = card

    def answer(self, number: int, index: int, helper: str, text: str):
        async def run() -> None:
            card = self.cards.get(number)
            if card is not None:
                await self.session.line(f"{helper}: #{card} {text}")
                self.answers[(number, index)] = self._last("help", helper, card)

        return run

    def react_to_card(self, number: int, emoji: str):
        async def run() -> None:
            card = self.cards.get(number)
            if card is not None:
                await self.session.line(f"{self.someone()}: +{emoji} #{card}")

        return run

    def react_to_answer(self, number: int, index: int, member: str):
        async def run() -> None:
            answer = self.answers.get((number, index))
            if answer is not None:
                await self.session.line(f"{member}: +white_check_mark #{answer}")

        return run

    def accept(self, number: int, index: int, asker: str):
        return self.react_to_answer(number, index, asker)

    def close(self, number: int, asker: str):
        async def run() -> None:
            card = self.cards.get(number)
            if card is not None:
                await self.session.line(f"{asker}: !question:close {self._question_id(card)}")

        return run

    def _question_id(self, card: int) -> str:
        found = re.search(r"Q(\d+)", self.chat.messages[card].text)
        return found.group(1) if found else "0"

    async def share(self, url: str, line: str) -> None:
        await self.session.line(line)
        post = self._last("resources")
        if post is not None and url not in self.resource_posts:
            self.resource_posts[url] = post

    def upvote(self, url: str, member: str):
        async def run() -> None:
            post = self.resource_posts.get(url)
            if post is not None:
                await self.session.line(f"{member}: +thumbsup #{post}")

        return run


async def fill(
    session: ConsoleSession, chat: ConsoleChat, out: list[str], end: datetime, weeks: int = WEEKS
) -> int:
    """Play ``weeks`` generated weeks (a quarter by default) ending at ``end`` (the session's
    clock starts that many weeks before, on a Monday); return how many events were played."""
    start = session.clock.now()
    demo = Demo(session, chat, out, weeks=weeks)
    demo.plan(start, end)
    await demo.play(start, end)
    return len(demo.events)

"""The members of the community benchmark (``community.py``) and the platform they meet the
bot on: the behaviour model's figures and the targets, the script drawn once from the seed
(who asks what, when; who knows which topics), the per-decision generators, and
``RecordingChat``, which keeps what the bot sends.
"""

from __future__ import annotations

import itertools
import random
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import ManualClock
from bot.replies import Message

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

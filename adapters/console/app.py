"""The console session: reads lines (a terminal or a script), turns them into commands, prints replies.

Line syntax (also in the README)::

    alice: /ask How do I keep learners engaged?   a slash command
    bob: #3 Try short polls                        a reply in the thread of message #3
    bob: hello everyone                            a plain message in the current channel
    alice: +white_check_mark #4                    add a reaction (-emoji removes it)
    alice: !question.close 1                       press a button (shown under messages)
    :channel #help                                 the next lines happen in #help
    :advance 24h                                   the clock moves on (30m, 24h, 7d)
    :as alice                                      lines without "name:" are alice's
    :now                                           print the simulated time
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta

from adapters.console.chat import BOT_NAME, ConsoleChat
from bot.clock import ManualClock
from bot.commands import (
    Actor,
    ButtonPressed,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    SlashCommand,
)
from bot.service import Entraide

_NAME = r"[\w.\-]{1,64}"
_SPEAKER = re.compile(rf"^({_NAME}):\s?(.*)$", re.DOTALL)
_CHANNEL = re.compile(r"^#?([\w\-]{1,80})$")
_REACTION = re.compile(r"^([+-]):?([^\s:]+?):?\s+#(\d+)$")
_THREAD_REPLY = re.compile(r"^#(\d+)\s+(.+)$", re.DOTALL)
_ADVANCE = re.compile(r"^(\d{1,12})\s*(m|h|d)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_MINUTES = {"m": 1, "h": 60, "d": 24 * 60}
ADVANCE_MAX_DAYS = 366  # a year of weeks at once; beyond, a typo more likely than a wish


class ConsoleSession:
    def __init__(
        self,
        entraide: Entraide,
        chat: ConsoleChat,
        clock: ManualClock,
        community_id: str,
        organisers: frozenset[str],
        write: Callable[[str], None] = print,
    ) -> None:
        self.entraide = entraide
        self.chat = chat
        self.clock = clock
        self.community_id = community_id
        self.organisers = organisers
        self.write = write
        self.channel = "general"
        self.speaker: str | None = None

    async def line(self, raw: str) -> None:
        text = raw.strip()
        if not text or text.startswith("//"):
            return
        if text.startswith(":"):
            await self._directive(text[1:].strip())
            return
        match = _SPEAKER.match(text)
        if match:
            member, said = match.group(1), match.group(2).strip()
        elif self.speaker:
            member, said = self.speaker, text
        else:
            self.write(
                "? start the line with a member's name, e.g. 'alice: /ask …' (or ':as alice')"
            )
            return
        if member == BOT_NAME:
            self.write(f"? '{BOT_NAME}' is the bot; members have other names")
            return
        await self._member_line(member, said)

    async def _directive(self, text: str) -> None:
        name, _, arg = text.partition(" ")
        arg = arg.strip()
        if name == "channel" and arg:
            channel = _CHANNEL.match(arg)
            if channel is None:
                self.write(f"? '{arg[:80]}' is not a channel's name (letters, digits, - and _)")
                return
            self.channel = channel.group(1)
        elif name == "advance" and (advance := _ADVANCE.match(arg)):
            amount, unit = advance.groups()
            # Compared as a number first: a huge one would overflow timedelta or the clock.
            if int(amount) * _MINUTES[unit] > ADVANCE_MAX_DAYS * _MINUTES["d"]:
                self.write(f"? :advance moves the clock at most {ADVANCE_MAX_DAYS} days at a time")
                return
            await self.advance(timedelta(**{_UNITS[unit]: int(amount)}))
        elif name == "as" and arg:
            if not re.fullmatch(_NAME, arg):
                self.write(f"? '{arg[:64]}' is not a member's name (letters, digits, ., - and _)")
                return
            self.speaker = arg
        elif name == "now":
            self.write(f"🕒 {self.clock.now().isoformat(timespec='minutes')}")
        else:
            self.write(
                f"? unknown directive ':{text}' (try :channel #name, :advance 24h, :as name, :now)"
            )

    async def advance(self, delta: timedelta) -> None:
        """Move the simulated clock, doing everything that becomes due on the way, in order."""
        target = self.clock.now() + delta
        while (due := await self.entraide.next_due(self.clock.now())) is not None and due <= target:
            self.clock.set(due)
            await self.entraide.run_due(due)
            await self.entraide.deliver_due()
        self.clock.set(target)
        await self.entraide.run_due(target)
        await self.entraide.deliver_due()
        self.write(f"🕒 {target.isoformat(timespec='minutes')}")

    def _actor(self, member: str) -> Actor:
        return Actor(self.community_id, member, member, is_organiser=member in self.organisers)

    async def _member_line(self, member: str, said: str) -> None:
        actor = self._actor(member)
        reply = None
        if said.startswith("/"):
            name, _, rest = said[1:].partition(" ")
            self.write(f"  {member} ran /{name}")
            reply = await self.entraide.handle(
                SlashCommand(actor, self.channel, name.lower(), rest.strip())
            )
        elif said.startswith("!"):
            action, _, value = said[1:].partition(" ")
            reply = await self.entraide.handle(
                ButtonPressed(actor, self.channel, action, value.strip())
            )
        elif reaction := _REACTION.match(said):
            reply = await self._reaction(actor, *reaction.groups())
        else:
            thread = _THREAD_REPLY.match(said)
            text = thread.group(2) if thread else said
            root = self.chat.messages.get(_number(thread.group(1))) if thread else None
            if thread and root is None:
                self.write(f"? there is no message #{thread.group(1)[:20]}")
                return
            if root and root.thread_root:
                root = self.chat.messages[
                    root.thread_root
                ]  # a reply to a reply stays in the thread
            posted = self.chat.record(
                root.channel_id if root else self.channel,
                member,
                text,
                root.number if root else None,
            )
            self.chat.show(posted)
            reply = await self.entraide.handle(
                MessagePosted(
                    actor,
                    posted.channel_id,
                    self.chat.message_id(posted.number),
                    text,
                    thread_id=self.chat.message_id(root.number) if root else None,
                )
            )
        # What the command queued (a card, a note) appears before the reply, as it would on a
        # platform where the reply says it is on its way.
        await self.entraide.deliver_due()
        if reply is not None:
            self.chat.show_private(member, reply) if reply.private else await self.chat.post(
                self.community_id, self.channel, reply
            )

    async def _reaction(self, actor: Actor, sign: str, emoji: str, number: str):
        target = self.chat.messages.get(_number(number))
        if target is None:
            self.write(f"? there is no message #{number[:20]}")
            return None
        self.write(
            f"  {actor.member_id} {'reacted' if sign == '+' else 'removed'} :{emoji}: {'to' if sign == '+' else 'from'} #{number}"
        )
        command = ReactionAdded if sign == "+" else ReactionRemoved
        return await self.entraide.handle(
            command(
                actor,
                target.channel_id,
                self.chat.message_id(target.number),
                emoji,
                message_author_id=target.author,
            )
        )


def _number(digits: str) -> int | None:
    """A message number as typed; None when no message could have it (int() refuses 4,300 digits)."""
    return int(digits) if len(digits) <= 9 else None


def session_id() -> str:
    """A prefix that keeps this run's message ids apart from earlier runs' in the same database."""
    return "c" + uuid.uuid4().hex[:12]

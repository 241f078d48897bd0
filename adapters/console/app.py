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

_SPEAKER = re.compile(r"^([\w.\-]{1,64}):\s?(.*)$", re.DOTALL)
_REACTION = re.compile(r"^([+-]):?([^\s:]+?):?\s+#(\d+)$")
_THREAD_REPLY = re.compile(r"^#(\d+)\s+(.+)$", re.DOTALL)
_ADVANCE = re.compile(r"^(\d+)\s*(m|h|d)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


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
            self.channel = arg.lstrip("#")
        elif name == "advance" and _ADVANCE.match(arg):
            amount, unit = _ADVANCE.match(arg).groups()
            await self.advance(timedelta(**{_UNITS[unit]: int(amount)}))
        elif name == "as" and arg:
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
            root_number, text = (int(thread.group(1)), thread.group(2)) if thread else (None, said)
            root = self.chat.messages.get(root_number) if root_number else None
            if root_number and root is None:
                self.write(f"? there is no message #{root_number}")
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
        target = self.chat.messages.get(int(number))
        if target is None:
            self.write(f"? there is no message #{number}")
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


def session_id() -> str:
    """A prefix that keeps this run's message ids apart from earlier runs' in the same database."""
    return "c" + uuid.uuid4().hex[:12]

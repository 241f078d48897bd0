"""The core's one entry point: ``await entraide.handle(command)`` returns the reply for whoever acted.

Adapters call nothing else for member actions; timers call :meth:`Entraide.run_due`.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import due, help, knowledge, organisers, practice, privacy, reminders, resources
from bot.commands import (
    AcceptAnswer,
    Actor,
    Ask,
    ButtonPressed,
    Command,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    ReactionsCleared,
    SlashCommand,
)
from bot.core import Core, forget_unsaved_settings, settings_memo
from bot.delivery import OCCURRENCE, QUESTION, REMINDER, RESOURCE
from bot.delivery.deliverer import Deliverer
from bot.delivery.pacing import Pacer
from bot.domain import CommunitySettings, MarkKind
from bot.emoji import canonical
from bot.errors import UserError
from bot.i18n import spans, t
from bot.ports import FetchedMessage
from bot.receiving import Receiver
from bot.replies import Message, private
from bot.schedule import zone
from bot.stats import community_health, health_message
from bot.text import clean_reply, split_ask

log = logging.getLogger(__name__)

_BUTTON_ID = re.compile(r"[1-9][0-9]{0,9}")
ID_MAX = 2**31 - 1  # the databases' integer ids


def error_message(language: str, error: UserError) -> Message:
    """A member's error, translated, private; the name of the faulty field translated too."""
    values = dict(error.values)
    if "field" in values:
        values["field"] = t(language, f"field.{values['field']}")
    return private(spans(language, error.key, **values))


@dataclass(frozen=True)
class ReactionTarget:
    """A message whose reactions count, with the emoji that counts there."""

    channel_id: str
    message_id: str
    emoji: str
    thread_id: str | None = None  # an answer's: the question's message, whose thread it is in


def _is_bookmark(command: ReactionAdded | ReactionRemoved, settings: CommunitySettings) -> bool:
    return canonical(command.emoji) == canonical(settings.bookmark_emoji)


# How stale a member's "last seen" may get: recording it at every event would cost a write each.
SEEN_AGAIN_AFTER = timedelta(minutes=10)
SEEN_REMEMBERED = 10_000


# How each kind of delivery is rendered when it is sent, and who is told how it went.
SUBJECTS = {
    QUESTION: help.QUESTION_CARD,
    RESOURCE: resources.RESOURCE_CARD,
    OCCURRENCE: due.OCCURRENCE_POST,
    REMINDER: reminders.REMINDER_POST,
}


class Entraide:
    def __init__(
        self, core: Core, pacer_for: Callable[[str], Pacer | None] = lambda _community_id: None
    ) -> None:
        self.core = core
        # Everything the core posts goes through it, apart from the members' commands.
        self.deliveries = Deliverer(core, SUBJECTS, pacer_for=pacer_for)
        self._receiver = Receiver(core)
        self._seen: OrderedDict[tuple[str, str], tuple[tuple, datetime]] = OrderedDict()
        # (community, answer's message) → (its author, its question's asker)
        self._authors: OrderedDict[tuple[str, str], tuple[str | None, str | None]] = OrderedDict()

    def _remember_authors(
        self, key: tuple[str, str], author_id: str | None, asker_id: str | None
    ) -> None:
        self._authors[key] = (author_id, asker_id)
        self._authors.move_to_end(key)
        if len(self._authors) > SEEN_REMEMBERED:
            self._authors.popitem(last=False)

    def _seen_lately(self, actor: Actor, now: datetime) -> bool:
        """Whether this process recorded the member, with this name and locale, a few minutes ago."""
        key = (actor.community_id, actor.member_id)
        seen = self._seen.get(key)
        who = (actor.name, actor.locale)
        if seen is not None and seen[0] == who and now - seen[1] < SEEN_AGAIN_AFTER:
            return True
        self._seen[key] = (who, now)
        self._seen.move_to_end(key)
        if len(self._seen) > SEEN_REMEMBERED:
            self._seen.popitem(last=False)
        return False

    async def handle(self, command: Command | ReactionsCleared) -> Message | None:
        """Do what the command asks; return the reply for the member who acted, if any."""
        if isinstance(command, ReactionsCleared):
            await self._reactions_cleared(command)
            return None
        if command.actor.is_bot:
            return None  # the bot's own messages and reactions count for nothing
        with settings_memo() as memo:
            reply = await self._handle(command)
            self.core.keep_settings(memo)
            return reply

    async def _handle(self, command: Command) -> Message | None:
        actor, now = command.actor, self.core.clock.now()
        try:
            # What the platform must be read for is read first: never while the database is held.
            fetched = await self._bookmarked_message(command)
            # The event's claim and its effect are one unit of work: a failure in between
            # leaves both undone, and the platform's redelivery is handled in full.
            async with self.core.store.transaction() as tx:
                await self.core.settings(tx, actor.community_id)  # a new community is created
                if command.event_key and not await tx.claim_event(
                    actor.community_id, command.event_key, now
                ):
                    log.info(
                        "duplicate event %s in %s ignored", command.event_key, actor.community_id
                    )
                    return None
                if not self._seen_lately(actor, now):
                    await tx.see_member(
                        actor.community_id, actor.member_id, actor.name, now, actor.locale
                    )
                return await self._dispatch(command, fetched)
        except UserError as error:
            forget_unsaved_settings()  # what was read in the failed unit of work may not exist
            async with self.core.store.transaction() as tx:
                settings = await self.core.settings(tx, actor.community_id)
                # Refused, and nothing stored: only the event is, so that a redelivery is
                # not refused a second time.
                if command.event_key:
                    await tx.claim_event(actor.community_id, command.event_key, now)
            return error_message(self.core.private_language(settings, actor), error)

    async def _bookmarked_message(self, command: Command) -> FetchedMessage | None:
        """The message a bookmark reaction saves a link from, read from the platform."""
        if not isinstance(command, ReactionAdded):
            return None
        settings = self.core.settings_read(command.actor.community_id)
        if settings is None:  # a reaction storm asks for them once, not at every event
            async with self.core.store.transaction() as tx:
                settings = await self.core.settings(tx, command.actor.community_id)
        if not _is_bookmark(command, settings):
            return None
        return await resources.read_bookmarked(self.core, command)

    async def receive(
        self, platform: str, community_id: str, event_key: str, payload: dict
    ) -> bool:
        """Keep an event as the platform sent it, before the platform is acknowledged; False
        for a redelivery. If this process dies before handling it, another one replays it."""
        return await self._receiver.keep(platform, community_id, event_key, payload)

    async def handled(self, community_id: str, event_key: str) -> None:
        """A received event that asked nothing of the core (a message outside any thread) is done."""
        async with self.core.store.transaction() as tx:
            await tx.claim_event(community_id, event_key, self.core.clock.now())

    async def unhandled(self, received_before: datetime, limit: int = 100) -> list[tuple]:
        """(platform, community, key, payload) of events received before ``received_before``
        and never handled: the adapter of their platform replays them."""
        async with self.core.store.transaction() as tx:
            return await tx.unhandled_events(received_before, limit)

    async def reactions_to_reconcile(
        self, community_id: str, limit: int = 200
    ) -> list[ReactionTarget]:
        """The messages whose reactions count, for the community's most recent open questions.

        An adapter that was offline reads these messages' reactions at start and hands
        each one to :meth:`handle` as ``ReactionAdded``: marks already counted stay once.
        """
        async with self.core.store.transaction() as tx:
            settings = await self.core.settings(tx, community_id)
            targets = []
            for question in await tx.open_questions(community_id, limit):
                targets.append(
                    ReactionTarget(question.channel_id, question.message_id, settings.me_too_emoji)
                )
                targets += [
                    ReactionTarget(
                        question.channel_id,
                        answer.message_id,
                        settings.helpful_emoji,
                        question.message_id,
                    )
                    for answer in await tx.answers(community_id, question.id)
                ]
        return targets

    async def run_due(self, now: datetime) -> int:
        """Queue what is due at ``now`` (prompts, digests, reminders); return how many posts."""
        queued = await due.run_due(self.core, now)
        self.core.delivery_wanted()
        return queued

    async def deliver_due(self) -> int:
        """Send every delivery due now and return once they are sent (the console, tests)."""
        return await self.deliveries.deliver_due()

    async def next_due(self, now: datetime) -> datetime | None:
        return await due.next_due(self.core, now)

    async def _dispatch(self, command: Command, fetched: FetchedMessage | None) -> Message | None:
        core = self.core
        match command:
            case SlashCommand(name="ask"):
                return await self._ask_text(command)
            case Ask():
                return await help.ask(
                    core,
                    command.actor,
                    command.channel_id,
                    command.title,
                    command.details,
                    command.tags,
                    command.anonymous,
                )
            case SlashCommand(name="share"):
                return await resources.share(core, command.actor, command.text)
            case SlashCommand(name="resources"):
                return await resources.list_resources(core, command.actor, command.text)
            case SlashCommand(name="search"):
                return await knowledge.search(core, command.actor, command.text)
            case SlashCommand(name="entraide"):
                return await self._entraide(command.actor, command.text)
            case SlashCommand():
                raise UserError("error.unknown_command", name=command.name[:40])
            case MessagePosted():
                return await self._message(command)
            case ReactionAdded() | ReactionRemoved():
                return await self._reaction(command, isinstance(command, ReactionAdded), fetched)
            case ButtonPressed():
                return await self._button(command)
            case AcceptAnswer():
                return await self._accept_answer(command)
        raise TypeError(f"not a command: {command!r}")

    async def _ask_text(self, command: SlashCommand) -> Message:
        """``/ask [--anonymous] <question> [| details] [#tag …]``."""
        title, details, tags, anonymous = split_ask(command.text)
        return await help.ask(
            self.core, command.actor, command.channel_id, title, details, tags, anonymous
        )

    async def _entraide(self, actor: Actor, text: str) -> Message:
        words = text.split()
        sub, args = (words[0].lower(), words[1:]) if words else ("help", [])
        match sub:
            case "config":
                return await organisers.configure(self.core, actor, args)
            case "schedule":
                return await organisers.schedule(self.core, actor, args)
            case "topics":
                return await organisers.topics(self.core, actor, args)
            case "stats":
                return await self._stats(actor)
            case "prompt" if args and args[0].lower() in ("add", "ajouter"):
                organisers.require_organiser(self.core, actor)
                return await practice.add_prompt(
                    self.core, actor, text.split(None, 2)[2] if len(words) > 2 else ""
                )
            case "forget-me" | "oubliez-moi":
                return await privacy.ask_confirmation(self.core, actor)
            case _:
                async with self.core.store.transaction() as tx:
                    settings = await self.core.settings(tx, actor.community_id)
                return private(spans(self.core.private_language(settings, actor), "help.entraide"))

    async def _stats(self, actor: Actor) -> Message:
        now = self.core.clock.now()
        async with self.core.store.transaction() as tx:
            settings = await self.core.settings(tx, actor.community_id)
            local = now.astimezone(zone(settings.timezone))
            month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            health = await community_health(tx, actor.community_id, month_start, now)
        return health_message(self.core.private_language(settings, actor), health)

    async def _message(self, command: MessagePosted) -> None:
        if not command.thread_id:
            return None
        actor = command.actor
        async with self.core.store.transaction() as tx:
            question = await tx.question_by_message(actor.community_id, command.thread_id)
            occurrence = (
                None
                if question
                else await tx.occurrence_by_message(actor.community_id, command.thread_id)
            )
        if question is not None:
            await help.record_answer(self.core, actor, question, command.message_id, command.text)
        elif occurrence is not None and clean_reply(command.text):
            await practice.record_share(
                self.core, actor, occurrence[0], command.message_id, command.text
            )
        return None

    async def _reaction(
        self,
        command: ReactionAdded | ReactionRemoved,
        added: bool,
        fetched: FetchedMessage | None,
    ) -> Message | None:
        actor, key = command.actor, (command.actor.community_id, command.message_id)
        emoji = canonical(command.emoji)
        async with self.core.store.transaction() as tx:
            settings = await self.core.settings(tx, actor.community_id)
            helpful = emoji == canonical(settings.helpful_emoji)
            if helpful and key in self._authors:
                # Answers draw storms of marks: who wrote one and who asked never change, so a
                # plain helpful mark needs no lookup (accepting reads the question afresh).
                kind = help.answer_mark(self.core, actor, *self._authors[key])
                if kind is not MarkKind.ACCEPTED:
                    if kind is not None:
                        await tx.set_mark(*key, actor.member_id, kind, added, self.core.clock.now())
                    return None
            answered = await tx.answer_and_question(actor.community_id, command.message_id)
            question = (
                None
                if answered
                else await tx.question_by_message(actor.community_id, command.message_id)
            )
            resource = (
                None
                if answered or question
                else await tx.resource_by_post(actor.community_id, command.message_id)
            )
        if answered is not None:
            self._remember_authors(key, answered[0].author_id, answered[1].asker_id)
            if helpful:
                return await help.mark_answer(self.core, actor, *answered, added)
        if question is not None and emoji == canonical(settings.me_too_emoji):
            return await help.me_too(self.core, actor, question, added)
        if resource is not None and emoji != canonical(settings.bookmark_emoji):
            return await resources.upvote(self.core, actor, resource, added)
        if added and emoji == canonical(settings.bookmark_emoji):
            return await resources.bookmark(self.core, actor, fetched)
        return None

    async def _reactions_cleared(self, command: ReactionsCleared) -> None:
        emoji = canonical(command.emoji) if command.emoji else None
        with settings_memo():
            async with self.core.store.transaction() as tx:
                await self.core.settings(tx, command.community_id)
                if command.event_key and not await tx.claim_event(
                    command.community_id, command.event_key, self.core.clock.now()
                ):
                    return
                await help.marks_cleared(self.core, command.community_id, command.message_id, emoji)

    async def _accept_answer(self, command: AcceptAnswer) -> Message:
        async with self.core.store.transaction() as tx:
            answer = await tx.answer_by_message(command.actor.community_id, command.message_id)
        if answer is None:
            raise UserError("error.not_an_answer")
        return await help.accept_by_button(self.core, command.actor, answer.id)

    async def _button(self, command: ButtonPressed) -> Message:
        core, actor = self.core, command.actor
        if command.action == privacy.CONFIRM:
            if command.value != actor.member_id:
                raise UserError("error.not_yours")
            return await privacy.forget(core, actor)
        # Buttons carry the ids the bot gave them; anything else (forged, huge) names nothing.
        if not _BUTTON_ID.fullmatch(command.value) or int(command.value) > ID_MAX:
            raise UserError("error.unknown_button")
        target = int(command.value)
        match command.action:
            case help.CLOSE | help.REOPEN:
                return await help.close_or_reopen(
                    core, actor, target, close=command.action == help.CLOSE
                )
            case help.POST_DRAFT:
                return await help.post_draft(core, actor, target)
            case help.WITHDRAW_DRAFT:
                return await help.withdraw_draft(core, actor, target)
            case help.ACCEPT:
                return await help.accept_by_button(core, actor, target)
        raise UserError("error.unknown_button")

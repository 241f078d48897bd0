"""The core's one entry point: ``await entraide.handle(command)`` returns the reply for whoever acted.

Adapters call nothing else for member actions; timers call :meth:`Entraide.run_due`.
Each command is one unit of work with its event's claim, and its handler is the one its
spec or button names (``bot.specs``): this module dispatches, the features decide.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from bot import due, resources, specs
from bot.commands import (
    AcceptAnswer,
    Ask,
    ButtonPressed,
    Command,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    ReactionsCleared,
    SlashCommand,
)
from bot.context import Context
from bot.core import Core
from bot.delivery import NUDGE, OCCURRENCE, QUESTION, RESOURCE, ROUNDUP, ROUTING
from bot.delivery.deliverer import Deliverer
from bot.delivery.pacing import Pacer
from bot.domain import ReactionTarget
from bot.early import Early, handle_early
from bot.errors import UserError, describe
from bot.i18n import language_for, spans, t
from bot.ports import FetchedMessage
from bot.questions import answers
from bot.questions.card import QUESTION_CARD
from bot.questions.nudge import NUDGE_MESSAGE
from bot.questions.roundup import ROUNDUP_POST
from bot.questions.routing import ROUTING_REQUEST
from bot.reactions import Reactions, counts_on, is_bookmark, reactions_cleared
from bot.receiving import Receiver
from bot.replies import Message, private
from bot.threads import count_reply, message_posted
from bot.visits import Visits

log = logging.getLogger(__name__)

# How each kind of delivery is rendered when it is sent, and who is told how it went.
SUBJECTS = {
    QUESTION: QUESTION_CARD,
    RESOURCE: resources.RESOURCE_CARD,
    OCCURRENCE: due.OCCURRENCE_POST,
    ROUNDUP: ROUNDUP_POST,
    ROUTING: ROUTING_REQUEST,
    NUDGE: NUDGE_MESSAGE,
}


def error_message(language: str, error: UserError) -> Message:
    """A member's error, translated, private; the name of the faulty field translated too."""
    values = dict(error.values)
    if "field" in values:
        values["field"] = t(language, f"field.{values['field']}")
    return private(spans(language, error.key, **values))


class Entraide:
    def __init__(
        self, core: Core, pacer_for: Callable[[str], Pacer | None] = lambda _community_id: None
    ) -> None:
        self.core = core
        # Everything the core posts goes through it, apart from the members' commands.
        self.deliveries = Deliverer(core, SUBJECTS, pacer_for=pacer_for)
        self._receiver = Receiver(core)
        self._visits = Visits()
        self._reactions = Reactions()
        # Events kept early are handled at each tick, and, when this process kept one, as
        # soon as a post is recorded: one pass at a time.
        self._early_here = False
        self._early_pass: asyncio.Task | None = None
        self._early_turn = asyncio.Lock()
        core.early_kept = self._kept_early
        core.post_recorded = self._post_recorded

    async def handle(self, command: Command | ReactionsCleared) -> Message | None:
        """Do what the command asks; return the reply for the member who acted, if any."""
        if isinstance(command, ReactionsCleared):
            await self._cleared(command)
            return None
        if command.actor.is_bot:
            return None  # the bot's own messages and reactions count for nothing
        actor, now = command.actor, self.core.clock.now()
        try:
            # What the platform must be read for is read first: never while the database is held.
            fetched = await self._bookmarked_message(command)
            invoked = await self._invoked(command)
            # The event's claim and its effect are one unit of work: a failure in between
            # leaves both undone, and the platform's redelivery is handled in full.
            async with self.core.store.transaction() as tx:
                settings = await self.core.settings(tx, actor.community_id)
                if command.event_key and not await tx.events.claim(
                    actor.community_id, command.event_key, now
                ):
                    log.info(
                        "duplicate event %s in %s ignored", command.event_key, actor.community_id
                    )
                    return None
                await self._visits.record(tx, actor, now)
                ctx = Context(self.core, tx, actor, command.channel_id, settings, now)
                return await self._dispatch(ctx, command, fetched, invoked)
        except UserError as error:
            async with self.core.store.transaction() as tx:
                settings = await self.core.settings(tx, actor.community_id)
                # Refused, and nothing stored: only the event is, so that a redelivery is
                # not refused a second time.
                if command.event_key:
                    await tx.events.claim(actor.community_id, command.event_key, now)
            return error_message(language_for(settings.language, actor.locale), error)

    async def _dispatch(
        self,
        ctx: Context,
        command: Command,
        fetched: FetchedMessage | None,
        invoked: tuple[specs.CommandSpec, dict] | None,
    ) -> Message | None:
        match command:
            case SlashCommand() | Ask() if invoked is not None:
                spec, options = invoked
                return await spec.handler(ctx, **options)
            case MessagePosted():
                return await message_posted(ctx, command)
            case ReactionAdded() | ReactionRemoved():
                return await self._reactions.react(ctx, command, fetched)
            case ButtonPressed():
                return await specs.press(ctx, command.action, command.value)
            case AcceptAnswer():
                return await answers.accept_message(ctx, command.message_id)
        raise TypeError(f"not a command: {command!r}")

    async def _invoked(self, command: Command) -> tuple[specs.CommandSpec, dict] | None:
        """A slash command's (or the /ask form's) spec and options, parsed once, with what
        the spec reads first already read, where units of work take turns: before its turn."""
        match command:
            case SlashCommand():
                spec = next((s for s in specs.COMMANDS if s.name == command.name), None)
                if spec is None:
                    raise UserError("error.unknown_command", name=command.name[:40])
                given = command.options
                declared = {parameter.name for parameter in spec.parameters}
                options = (
                    {name: value for name, value in given.items() if name in declared}
                    if given is not None
                    else spec.parse(command.text)
                )
            case Ask():
                spec = specs.spec("ask")
                options = {
                    "question": command.title,
                    "details": command.details,
                    "tags": command.tags,
                    "anonymous": command.anonymous,
                }
            case _:
                return None
        if spec.read_first is not None and self.core.store.writers_take_turns:
            options |= await spec.read_first(self.core, command.actor.community_id, options)
        return spec, options

    async def _bookmarked_message(self, command: Command) -> FetchedMessage | None:
        """The message a bookmark reaction saves a link from, read from the platform."""
        if not isinstance(command, ReactionAdded):
            return None
        settings = self.core.settings_read(command.actor.community_id)
        if settings is None:  # a reaction storm asks for them once, not at every event
            async with self.core.store.transaction() as tx:
                settings = await self.core.settings(tx, command.actor.community_id)
        if not is_bookmark(command, settings):
            return None
        return await resources.read_bookmarked(self.core, command)

    async def _cleared(self, command: ReactionsCleared) -> None:
        async with self.core.store.transaction() as tx:
            await self.core.settings(tx, command.community_id)  # a new community is created
            if command.event_key and not await tx.events.claim(
                command.community_id, command.event_key, self.core.clock.now()
            ):
                return
            await reactions_cleared(self.core, tx, command)

    # -- events kept before their acknowledgement ------------------------------------

    async def receive(
        self, platform: str, community_id: str, event_key: str, payload: dict
    ) -> bool:
        """Keep an event as the platform sent it, before the platform is acknowledged; False
        for a redelivery. If this process dies before handling it, another one replays it."""
        return await self._receiver.keep(platform, community_id, event_key, payload)

    async def handled(self, community_id: str, event_key: str) -> None:
        """A received event that asked nothing of the core (a message outside any thread) is done."""
        async with self.core.store.transaction() as tx:
            await tx.events.claim(community_id, event_key, self.core.clock.now())

    async def unhandled(self, received_before: datetime, limit: int = 100) -> list[tuple]:
        """(platform, community, key, payload) of events received before ``received_before``
        and never handled: the adapter of their platform replays them."""
        async with self.core.store.transaction() as tx:
            return await tx.events.unhandled(received_before, limit)

    # -- what adapters read back after downtime ---------------------------------------

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
            for question in await tx.questions.open(community_id, limit):
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
                    for answer in await tx.questions.answers(community_id, question.id)
                ]
        return targets

    # -- what the timer asks ------------------------------------------------------------

    async def run_due(self, now: datetime) -> int:
        """Handle the replies and reactions kept early whose message is known now, then queue
        what is due at ``now`` (prompts, digests, round-ups, routed requests, nudges); return
        how many posts and private messages were queued."""
        await self._handle_early(now)
        queued = await due.run_due(self.core, now)
        self.core.delivery_wanted()
        return queued

    def _kept_early(self) -> None:
        self._early_here = True

    def _post_recorded(self) -> None:
        """A post was recorded: what this process kept early may be about it."""
        if self._early_here and (self._early_pass is None or self._early_pass.done()):
            self._early_pass = asyncio.create_task(self._handle_early_now())

    async def _handle_early_now(self) -> None:
        try:
            await self._handle_early(self.core.clock.now())
        except Exception as error:  # the database away, say: the next tick tries again
            log.warning("early events not handled: %s", describe(error))

    async def _handle_early(self, now: datetime) -> None:
        async with self._early_turn:
            self._early_here = False
            if await handle_early(self.core, now, self._early):
                self._early_here = True  # some wait still (perhaps for another instance)

    async def _early(self, ctx: Context, event: Early) -> bool:
        """An event kept early (``bot.early``), handled again: False while what it is about
        is still unknown."""
        if isinstance(event, MessagePosted):
            return await count_reply(ctx, event)
        if not await counts_on(ctx.tx, ctx.community_id, event.message_id):
            return False
        await self._reactions.react(ctx, event, None)
        return True

    async def deliver_due(self) -> int:
        """Send every delivery due now and return once they are sent (the console, tests)."""
        return await self.deliveries.deliver_due()

    async def next_due(self, now: datetime) -> datetime | None:
        return await due.next_due(self.core, now)

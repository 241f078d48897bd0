"""The unit of work and its repositories, one per aggregate (``storage.store`` implements it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from bot.ports.communities import Communities
from bot.ports.deliveries import Deliveries
from bot.ports.early_events import EarlyEvents
from bot.ports.events import Events
from bot.ports.marks import Marks
from bot.ports.nudges import Nudges
from bot.ports.practice import Practice
from bot.ports.privacy import Privacy
from bot.ports.questions import Questions
from bot.ports.reports import Reports
from bot.ports.resources import Resources
from bot.ports.roundups import Roundups
from bot.ports.routing import Routing
from bot.ports.search import Search
from bot.ports.web import WebAccess


class Transaction(Protocol):
    """One unit of work: everything done through its repositories commits together, or not
    at all. Every repository method is scoped by community, except the few the scheduler
    uses across communities (``practice.schedules()``, ``questions.unanswered``,
    ``questions.awaiting``, ``nudges.pending``)."""

    communities: Communities
    events: Events
    questions: Questions
    marks: Marks
    resources: Resources
    practice: Practice
    search: Search
    deliveries: Deliveries
    early_events: EarlyEvents
    reports: Reports
    privacy: Privacy
    roundups: Roundups
    routing: Routing
    nudges: Nudges
    web: WebAccess

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run ``action`` once the unit of work has committed (never if it rolls back)."""


class Store(Protocol):
    @property
    def writers_take_turns(self) -> bool:
        """Whether units of work that write wait for one another's end (SQLite: one writer at
        a time). Then what a command only reads is best read before its unit of work, out of
        the turn; otherwise within it, which takes one connection instead of two."""

    def transaction(
        self, priority: bool = False, reading: bool = False, each_statement: bool = False
    ) -> AbstractAsyncContextManager[Transaction]:
        """``async with store.transaction() as tx``: commit on success, roll back on error.

        A unit of work opened inside another one in the same task joins it. A ``priority``
        one (keeping events a platform waits to be acknowledged) MAY be given its turn before
        the others this process has waiting. A ``reading`` one MUST write nothing, and MAY
        run beside the unit of work that writes. In an ``each_statement`` one, each statement
        MAY commit by itself: its writes MUST hold alone (one insert of many rows, say).
        """

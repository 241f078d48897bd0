"""Nudges: the asker of a question with answers but none accepted is asked which one helped."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain import Nudge, Question


class Nudges(Protocol):
    async def add(
        self, community_id: str, question_id: int, answers: int, now: datetime
    ) -> Nudge | None:
        """Record a nudge made when the question had ``answers`` answers; None if one was."""

    async def get(self, community_id: str, nudge_id: int) -> Nudge | None:
        """The nudge with that id, if any."""

    async def for_question(self, community_id: str, question_id: int) -> list[Nudge]:
        """A question's nudges, oldest first."""

    async def still_open(self, community_id: str, nudge_id: int, now: datetime) -> bool:
        """The asker said the question is still open; False if they already had."""

    async def pending(self) -> list[tuple[Question, datetime]]:
        """Questions of every community that have answers but none accepted, an asker to
        ask, and answers the asker was not asked about: each with the time of the oldest of
        those answers (the nudge is due a delay after it), in that order."""

"""Values the web pages are built from, as the storage's reports return them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuestionWeek:
    """Questions asked in one week, and what became of them."""

    asked: int = 0
    answered: int = 0
    resolved: int = 0
    answered_within_day: int = 0
    old_enough: int = 0  # asked at least 24 h ago: those that had their day
    median_first_answer: float | None = None  # seconds


@dataclass(frozen=True)
class PromptWeek:
    prompts: int = 0
    replied: int = 0  # prompts with at least one reply
    replies: int = 0


@dataclass(frozen=True)
class WebSettings:
    """A community's choices about the web (``/entraide config public-library``)."""

    public_library: bool = False
    search_engines: bool = False

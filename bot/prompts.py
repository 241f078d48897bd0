"""The practice-sharing prompt library: TOML files in ``prompts/``, checked and chosen from.

Each file holds one theme::

    theme = "pedagogy"
    [name]
    fr = "Pédagogie"
    en = "Pedagogy"
    [[prompt]]
    id = "pedagogy-01"
    fr = "…"
    en = "…"
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import zip_longest
from pathlib import Path

from bot.domain import Prompt
from bot.i18n import LANGUAGES
from bot.text import PROMPT_MAX

MIN_PROMPTS = 52
MIN_THEMES = 6
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class PromptLibrary:
    prompts: tuple[Prompt, ...]
    theme_names: dict[str, dict[str, str]]

    def next_prompt(self, used: Sequence[str], extra: Sequence[Prompt] = ()) -> Prompt | None:
        """The next prompt not used yet; once all are used, start again from the least recent.

        ``used`` lists the ids already posted in the channel, oldest first; ``extra``
        (a community's own prompts) come before the library: organisers added them to be used.
        """
        candidates = [*extra, *self.prompts]
        if not candidates:
            return None
        used_ids = set(used)
        for prompt in candidates:
            if prompt.id not in used_ids:
                return prompt
        # Every prompt was posted: the one posted longest ago comes back first.
        last_seen = {prompt_id: index for index, prompt_id in enumerate(used)}
        return min(candidates, key=lambda p: last_seen.get(p.id, -1))

    def get(self, prompt_id: str) -> Prompt | None:
        return next((p for p in self.prompts if p.id == prompt_id), None)


class LibraryError(ValueError):
    """The library is not fit to ship; the message lists every problem found."""


def load_library(directory: Path | None = None) -> PromptLibrary:
    """Load and check every ``*.toml`` of ``directory`` (default: the installed ``prompts/``)."""
    files = (
        sorted(directory.glob("*.toml"))
        if directory is not None
        else sorted(
            (f for f in resources.files("prompts").iterdir() if f.name.endswith(".toml")),
            key=lambda f: f.name,
        )
    )
    problems: list[str] = []
    prompts: list[Prompt] = []
    names: dict[str, dict[str, str]] = {}
    for file in files:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            problems.append(f"{file.name}: not valid TOML ({error})")
            continue
        theme = data.get("theme")
        if not isinstance(theme, str) or not _ID.match(theme):
            problems.append(f"{file.name}: 'theme' must be a lower-case id")
            continue
        names[theme] = _texts(data.get("name"), f"{file.name}: [name]", problems)
        for index, entry in enumerate(data.get("prompt", [])):
            where = f"{file.name}: prompt {index + 1}"
            prompt_id = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(prompt_id, str) or not _ID.match(prompt_id):
                problems.append(f"{where}: 'id' must be a lower-case id")
                continue
            texts = _texts(entry, f"{where} ({prompt_id})", problems)
            prompts.append(Prompt(prompt_id, theme, texts))
    problems += _library_problems(prompts, names)
    if problems:
        raise LibraryError("\n".join(problems))
    return PromptLibrary(_alternating_themes(prompts), names)


def _alternating_themes(prompts: list[Prompt]) -> tuple[Prompt, ...]:
    """One prompt of each theme in turn, so that a channel's weeks vary."""
    by_theme: dict[str, list[Prompt]] = {}
    for prompt in prompts:
        by_theme.setdefault(prompt.theme, []).append(prompt)
    rounds = zip_longest(*by_theme.values())
    return tuple(prompt for round_ in rounds for prompt in round_ if prompt is not None)


def _texts(table: object, where: str, problems: list[str]) -> dict[str, str]:
    texts: dict[str, str] = {}
    if not isinstance(table, dict):
        problems.append(f"{where}: missing")
        return texts
    for language in LANGUAGES:
        text = table.get(language)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: no '{language}' text")
        elif len(text) > PROMPT_MAX:
            problems.append(f"{where}: '{language}' text longer than {PROMPT_MAX} characters")
        else:
            texts[language] = text.strip()
    return texts


def _library_problems(prompts: Iterable[Prompt], names: dict[str, dict[str, str]]) -> list[str]:
    prompts = list(prompts)
    problems = []
    seen: set[str] = set()
    for prompt in prompts:
        if prompt.id in seen:
            problems.append(f"prompt id {prompt.id!r} is used twice")
        seen.add(prompt.id)
    if len(prompts) < MIN_PROMPTS:
        problems.append(
            f"{len(prompts)} prompts: the library needs at least {MIN_PROMPTS} (a year of weeks)"
        )
    if len(names) < MIN_THEMES:
        problems.append(f"{len(names)} themes: the library needs at least {MIN_THEMES}")
    return problems

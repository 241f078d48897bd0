"""One spec per slash command: the Slack manifest and the Discord command tree are both built
from these, and the core runs each command's handler with the spec's options.

Names and descriptions exist in English and French; ``usage`` is the free text a
platform passes as the command's text (Slack, the console), which is parsed once into
the options a platform with typed options (Discord) gives as they are. Buttons name
their handler here too.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import knowledge, organisers, practice, privacy, resources, stats
from bot.context import Context
from bot.core import Core
from bot.errors import UserError
from bot.i18n import spans
from bot.questions import answers, asking, card, closing, history, lifecycle, nudge, routing
from bot.replies import Message, private
from bot.text import split_ask, split_tags
from bot.web import commands as web_commands


@dataclass(frozen=True)
class Parameter:
    name: str
    description: dict[str, str]
    required: bool = False
    max_length: int | None = None
    kind: type = str  # str, or bool for a yes/no option


@dataclass(frozen=True)
class CommandSpec:
    """A command: its texts, its typed options, how its free text becomes those options, and
    what runs it (``await spec.handler(ctx, **options)``).

    ``read_first(core, community_id, options)`` reads what the handler will need before its
    unit of work begins, out of the database's turn, where writers take turns (SQLite: one
    at a time): what it returns joins the options. Elsewhere the handler reads it itself."""

    name: str
    description: dict[str, str]
    usage: dict[str, str]
    parameters: tuple[Parameter, ...]
    parse: Callable[[str], dict[str, object]]
    handler: Callable[..., Awaitable[Message]]
    read_first: Callable[[Core, str, dict], Awaitable[dict[str, object]]] | None = None


# -- how each command's text becomes its options, and what runs it ------------------------------------------------------------
# The text a platform gives (Slack's, the console's) is parsed once into the spec's options;
# a platform with typed options (Discord) gives them as they are. Both reach the same handler.


def _parse_ask(text: str) -> dict[str, object]:
    title, details, tags, anonymous = split_ask(text)
    return {"question": title, "details": details, "tags": tags, "anonymous": anonymous}


def _parse_share(text: str) -> dict[str, object]:
    url, _, rest = (text or "").strip().partition(" ")
    note, tags = split_tags(rest, leading=True)
    return {"url": url, "tags": tags, "note": note}


def _parse_query(text: str) -> dict[str, object]:
    return {"query": text or ""}


def _parse_entraide(text: str) -> dict[str, object]:
    return {"command": text or ""}


async def _entraide(ctx: Context, command: str = "") -> Message:
    """``/entraide <subcommand> …``: each subcommand's handler takes the text after it."""
    name, *rest = command.strip().split(None, 1) or ["help"]
    subcommand = SUBCOMMANDS.get(name.lower())
    if subcommand is None:
        return private(spans(ctx.language, "help.entraide"))
    return await subcommand(ctx, rest[0] if rest else "")


async def _prompt(ctx: Context, rest: str) -> Message:
    """``/entraide prompt add <text>``: the prompt's text as typed."""
    verb, *text = rest.strip().split(None, 1) or [""]
    if verb.lower() not in ("add", "ajouter"):
        return private(spans(ctx.language, "help.entraide"))
    return await practice.add_prompt(ctx, text[0] if text else "")


SUBCOMMANDS: dict[str, Callable[[Context, str], Awaitable[Message]]] = {
    "config": lambda ctx, rest: organisers.configure(ctx, rest.split()),
    "schedule": lambda ctx, rest: organisers.schedule(ctx, rest.split()),
    "topics": lambda ctx, rest: organisers.topics(ctx, rest.split()),
    "stats": lambda ctx, rest: stats.stats(ctx),
    "history": history.history,
    "historique": history.history,
    "prompt": _prompt,
    "forget-me": lambda ctx, rest: privacy.ask_confirmation(ctx),
    "oubliez-moi": lambda ctx, rest: privacy.ask_confirmation(ctx),
    "dashboard": lambda ctx, rest: web_commands.dashboard(ctx),
    "tableau-de-bord": lambda ctx, rest: web_commands.dashboard(ctx),
    "library": lambda ctx, rest: web_commands.library(ctx),
    "bibliotheque": lambda ctx, rest: web_commands.library(ctx),
    "bibliothèque": lambda ctx, rest: web_commands.library(ctx),
    "profile": lambda ctx, rest: web_commands.profile(ctx, rest.split()),
    "profil": lambda ctx, rest: web_commands.profile(ctx, rest.split()),
}


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "ask",
        {"en": "Ask the community a question", "fr": "Poser une question à la communauté"},
        {
            "en": "[--anonymous] <question> [ | details] [#tag …]",
            "fr": "[--anonymous] <question> [ | détails] [#étiquette …]",
        },
        (
            Parameter(
                "question",
                {
                    "en": "Your question (leave empty for a form)",
                    "fr": "Votre question (vide : un formulaire)",
                },
                max_length=300,
            ),
            Parameter("details", {"en": "More details", "fr": "Plus de détails"}, max_length=3000),
            Parameter(
                "tags",
                {"en": "Tags, e.g. onboarding remote", "fr": "Étiquettes, ex. accueil distanciel"},
                max_length=200,
            ),
            Parameter(
                "anonymous",
                {"en": "Ask without your name", "fr": "Demander sans votre nom"},
                kind=bool,
            ),
        ),
        _parse_ask,
        asking.ask,
        asking.similar_first,
    ),
    CommandSpec(
        "share",
        {
            "en": "Save a link to the community's resources",
            "fr": "Ajouter un lien aux ressources de la communauté",
        },
        {"en": "<url> [#tag …] [note]", "fr": "<lien> [#étiquette …] [note]"},
        (
            Parameter(
                "url",
                {"en": "The link (http or https)", "fr": "Le lien (http ou https)"},
                required=True,
                max_length=2000,
            ),
            Parameter(
                "tags",
                {"en": "Tags, e.g. onboarding remote", "fr": "Étiquettes, ex. accueil distanciel"},
                max_length=200,
            ),
            Parameter(
                "note", {"en": "Why it is worth reading", "fr": "Pourquoi le lire"}, max_length=500
            ),
        ),
        _parse_share,
        resources.share,
    ),
    CommandSpec(
        "resources",
        {
            "en": "Search the community's resources",
            "fr": "Chercher dans les ressources de la communauté",
        },
        {"en": "[words] [#tag]", "fr": "[mots] [#étiquette]"},
        (
            Parameter(
                "query",
                {"en": "Words and/or one #tag", "fr": "Mots et/ou une #étiquette"},
                max_length=200,
            ),
        ),
        _parse_query,
        resources.list_resources,
    ),
    CommandSpec(
        "search",
        {
            "en": "Search answered questions, practices and resources",
            "fr": "Chercher questions résolues, pratiques et ressources",
        },
        {"en": "<words>", "fr": "<mots>"},
        (
            Parameter(
                "query",
                {"en": "What to look for", "fr": "Ce que vous cherchez"},
                required=True,
                max_length=200,
            ),
        ),
        _parse_query,
        knowledge.search,
        read_first=knowledge.search_first,
    ),
    CommandSpec(
        "entraide",
        {
            "en": "Settings, topics, stats, dashboard, prompts, privacy",
            "fr": "Réglages, sujets, statistiques, tableau de bord, questions d’échange, vie privée",
        },
        {
            "en": "config | schedule | topics | stats | history <n> | dashboard | library "
            "| profile public on|off | prompt add <text> | forget-me",
            "fr": "config | schedule | topics | stats | history <n> | dashboard | library "
            "| profile public on|off | prompt add <texte> | forget-me",
        },
        (
            Parameter(
                "command",
                {
                    "en": "e.g. stats, topics add remote, config",
                    "fr": "ex. stats, topics add distanciel, config",
                },
                max_length=600,
            ),
        ),
        _parse_entraide,
        _entraide,
    ),
)


def spec(name: str) -> CommandSpec:
    return next(command for command in COMMANDS if command.name == name)


# -- what each button does -------------------------------------------------------------

_ID = re.compile(r"[1-9][0-9]{0,9}")
ID_MAX = 2**31 - 1  # the databases' integer ids


def _bot_id(value: str) -> int:
    """Buttons carry the ids the bot gave them; anything else (forged, huge) names nothing."""
    if not _ID.fullmatch(value) or int(value) > ID_MAX:
        raise UserError("error.unknown_button")
    return int(value)


def _bot_ids(value: str) -> tuple[int, int]:
    """Two ids, ``"12:3"`` (a question and the one it duplicates)."""
    first, _, second = value.partition(":")
    return _bot_id(first), _bot_id(second)


BUTTONS: dict[str, tuple[Callable[[str], object], Callable[..., Awaitable[Message]]]] = {
    card.CLOSE: (_bot_id, closing.close),
    card.REOPEN: (_bot_id, lifecycle.reopen),
    closing.SOLVED_ELSEWHERE: (_bot_id, closing.close_solved),
    closing.DUPLICATE: (_bot_id, closing.offer_duplicates),
    closing.NOT_NEEDED: (_bot_id, closing.close_unneeded),
    closing.DUPLICATE_OF: (_bot_ids, closing.close_as_duplicate),
    routing.TAKE: (_bot_id, routing.take),
    routing.DECLINE: (_bot_id, routing.decline),
    nudge.STILL_OPEN: (_bot_id, nudge.still_open),
    asking.POST_DRAFT: (_bot_id, asking.post_draft),
    asking.WITHDRAW_DRAFT: (_bot_id, asking.withdraw_draft),
    answers.ACCEPT: (_bot_id, answers.accept_by_button),
    privacy.CONFIRM: (str, privacy.forget),
}


async def press(ctx: Context, action: str, value: str) -> Message:
    """A button: its action names the handler, its value what it acts on."""
    if action not in BUTTONS:
        raise UserError("error.unknown_button")
    parse, run = BUTTONS[action]
    return await run(ctx, parse(value))

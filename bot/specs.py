"""One spec per slash command: the Slack manifest and the Discord command tree are both built from these.

Names and descriptions exist in English and French; ``usage`` is the free text a
platform passes as the command's text (Slack) or that a Discord adapter rebuilds
from its options.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    name: str
    description: dict[str, str]
    required: bool = False
    max_length: int | None = None
    kind: type = str  # str, or bool for a yes/no option


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: dict[str, str]
    usage: dict[str, str]
    parameters: tuple[Parameter, ...] = ()


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
    ),
    CommandSpec(
        "entraide",
        {
            "en": "Settings, topics, stats, dashboard, prompts, privacy",
            "fr": "Réglages, sujets, statistiques, tableau de bord, questions d’échange, vie privée",
        },
        {
            "en": "config | schedule | topics | stats | dashboard | library | profile public on|off "
            "| prompt add <text> | forget-me",
            "fr": "config | schedule | topics | stats | dashboard | library | profile public on|off "
            "| prompt add <texte> | forget-me",
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
    ),
)


def spec(name: str) -> CommandSpec:
    return next(command for command in COMMANDS if command.name == name)

"""Every message in French and English, with the same placeholders, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

from bot.i18n import LANGUAGES, catalogue

BOT = Path(__file__).parents[2] / "bot"


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def test_both_languages_have_exactly_the_same_messages():
    keys = {language: set(catalogue(language)) for language in LANGUAGES}
    assert keys["en"] - keys["fr"] == set(), "messages missing in French"
    assert keys["fr"] - keys["en"] == set(), "messages missing in English"


def test_translations_use_the_same_placeholders():
    for key, english in catalogue("en").items():
        assert placeholders(english) == placeholders(catalogue("fr")[key]), key


def test_every_message_key_used_in_the_code_exists():
    source = "\n".join(
        p.read_text(encoding="utf-8")
        for folder in (BOT, BOT.parent / "adapters")
        for pattern in ("*.py", "*.html")  # the web pages' templates say _('web.…')
        for p in folder.rglob(pattern)
    )
    used = set(
        re.findall(
            r'["\']((?:error|ask|button|question|answer|share|resource|resources|search|prompt|'
            r"reminder|digest|stats|duration|config|schedule|topics|forget|help|failure|form|web|"
            r"routing|nudge|history)\.[a-z_.]+)[\"']",
            source,
        )
    )
    used = {key for key in used if not key.endswith((".", ".html"))}
    assert used, "the pattern found no key: it is out of date"
    missing = used - set(catalogue("en"))
    assert missing == set()
    # Keys built at run time: statuses, weekdays, schedule kinds, field names.
    for prefix, names in {
        "status": ["draft", "open", "answered", "resolved", "closed", "withdrawn"],
        "weekday": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
        "schedule.set": ["prompt", "digest"],
        "schedule.item": ["prompt", "digest"],
        "field": ["question", "details", "note", "url", "prompt"],
        "web.status": ["all", "open", "unanswered", "resolved", "closed"],
        "web.nav": ["overview", "questions", "kb", "resources", "downloads"],
        "web.link": ["expired", "used", "expired.title", "used.title"],
        "close": ["solved_elsewhere", "duplicate", "no_longer_needed"],
        "history": ["taken", "declined"],
        "topics": ["off", "on"],
    }.items():
        for name in names:
            key = (
                f"{prefix}.{name}"
                if prefix
                in (
                    "status",
                    "weekday",
                    "field",
                    "web.status",
                    "web.nav",
                    "close",
                    "history",
                    "topics",
                )
                else f"{prefix}_{name}"
            )
            assert key in catalogue("en") and key in catalogue("fr"), key
    # Pages whose message has a title: refused links, 404, 403, the welcome.
    for key in used | {"web.link_expired", "web.link_used"}:
        if key in ("web.not_found", "web.organisers_only", "web.welcome", "web.open_link"):
            assert f"{key}.title" in catalogue("en"), key


# Messages that are the same words in both languages.
SAME_IN_BOTH = {
    "field.note",
    "field.question",
    "form.ask.question",
    "search.question",
    "question.title",
    "resource.upvotes",
    "web.nav.questions",
    "web.questions",
}


def test_french_is_really_french():
    same = {
        k
        for k, v in catalogue("en").items()
        if v == catalogue("fr")[k] and not k.startswith("duration.")
    }
    assert same <= SAME_IN_BOTH


def test_every_command_spec_speaks_both_languages():
    from bot.specs import COMMANDS

    assert {c.name for c in COMMANDS} == {"ask", "share", "resources", "search", "entraide"}
    for command in COMMANDS:
        for texts in (
            command.description,
            command.usage,
            *(p.description for p in command.parameters),
        ):
            assert set(texts) == set(LANGUAGES) and all(texts.values()), command.name


def test_every_refusal_an_adapter_can_give_is_translated():
    from adapters.discord.rest import REFUSALS as DISCORD
    from adapters.slack.web_api import REFUSALS as SLACK

    names = {
        *SLACK.values(),
        *DISCORD.values(),
        "not_allowed",
        "gone",
        "other",
        "no_answer",
        "not_a_channel",
    }
    for name in names:
        assert f"refusal.{name}" in catalogue("en") and f"refusal.{name}" in catalogue("fr"), name

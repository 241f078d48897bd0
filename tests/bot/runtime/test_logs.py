"""Logs: JSON lines with context, and secrets masked wherever they would appear."""

from __future__ import annotations

import json
import logging

from bot.runtime.logs import JsonFormatter, SecretMask
from bot.runtime.settings import load_settings


def test_configured_secrets_are_masked_in_messages_and_arguments(monkeypatch, caplog):
    monkeypatch.setenv("ENTRAIDE_SLACK__BOT_TOKEN", "xoxb-123456-secret")
    monkeypatch.setenv("ENTRAIDE_DATABASE_URL", "postgresql://bot:hunter2pass@db/entraide")
    settings = load_settings()
    mask = SecretMask(settings.secrets())
    record = logging.LogRecord(
        "x",
        logging.ERROR,
        __file__,
        1,
        "call failed with %s at %s",
        ("xoxb-123456-secret", "postgresql://bot:hunter2pass@db"),
        None,
    )
    mask.filter(record)
    assert record.getMessage() == "call failed with *** at postgresql://bot:***@db"
    assert "xoxb" not in repr(settings.slack.bot_token)  # SecretStr hides it from reprs too


def test_json_lines_carry_the_context():
    record = logging.LogRecord(
        "bot.help", logging.WARNING, __file__, 1, "could not post %s", ("q1",), None
    )
    record.community = "slack:T1"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "could not post q1" and entry["community"] == "slack:T1"
    assert entry["level"] == "warning" and entry["logger"] == "bot.help"

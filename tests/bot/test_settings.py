"""Configuration: TOML file, ENTRAIDE_* environment, clear failures that name the setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.runtime.settings import ConfigError, load_settings

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"


def test_the_example_configuration_is_valid_and_documents_every_setting():
    settings = load_settings(EXAMPLE)
    text = EXAMPLE.read_text(encoding="utf-8")
    for name, value in settings.model_dump().items():
        if isinstance(value, dict):
            assert f"[{name}]" in text, name
            for inner in value:
                assert f"{inner} =" in text, f"{name}.{inner}"
        else:
            assert f"{name} =" in text, name


def test_environment_overrides_the_file_nested_with_double_underscores(tmp_path, monkeypatch):
    config = tmp_path / "entraide.toml"
    config.write_text('database_url = "sqlite:///from-file.db"\n[reminders]\ndelay_hours = 12\n')
    monkeypatch.setenv("ENTRAIDE_DATABASE_URL", "postgresql://db.example/entraide")
    monkeypatch.setenv("ENTRAIDE_REMINDERS__MAX_PER_QUESTION", "2")
    settings = load_settings(config)
    assert settings.database_url == "postgresql://db.example/entraide"
    assert (settings.reminders.delay_hours, settings.reminders.max_per_question) == (12, 2)


@pytest.mark.parametrize(
    "toml, named",
    [
        ("[reminders]\ndelay_hours = -1\n", "reminders.delay_hours"),
        ('[community]\nlanguage = "de"\n', "community.language"),
        ('[community]\ntimezone = "Mars/Base"\n', "community.timezone"),
        ('[routing]\nquiet_hours = "at night"\n', "routing.quiet_hours"),
        ("[reminders]\nmax_channel_posts_per_day = 0\n", "reminders.max_channel_posts_per_day"),
        ('database_url = "mysql://x"\n', "database_url"),
        ("colour = 3\n", "colour"),
        ("database_url = [", "invalid configuration file"),
    ],
)
def test_invalid_configuration_fails_naming_the_setting(tmp_path, toml, named):
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    assert named in str(error.value)


def test_the_command_fails_at_start_with_that_message(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[reminders]\nmax_per_question = 99\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", "--config", str(config), "console"],
        capture_output=True,
        text=True,
        input="",
    )
    assert result.returncode == 2 and "reminders.max_per_question" in result.stderr


def test_help_lists_every_command():
    result = subprocess.run(
        [sys.executable, "-m", "bot.runtime.cli", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for command in ("console", "db", "prompts", "export"):
        assert command in result.stdout


def test_the_loops_settings_reach_the_core(tmp_path):
    """[routing], [nudge] and reminders.max_channel_posts_per_day, as the core uses them."""
    from datetime import time, timedelta

    from bot.clock import ManualClock
    from bot.localtime import QuietHours
    from bot.runtime.bootstrap import build
    from tests.conftest import START
    from tests.fakes import FakeChat

    config = tmp_path / "entraide.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "e.db"}"\n'
        "[reminders]\nmax_channel_posts_per_day = 2\n"
        '[routing]\nafter_hours = 2\nquiet_hours = "22:30-07:00"\nper_member_per_day = 1\n'
        "[nudge]\nafter_hours = 24\n"
    )
    core = build(load_settings(config), FakeChat(), ManualClock(START)).entraide.core
    assert core.max_channel_posts_per_day == 2 and core.routing_per_day == 1
    assert core.routing_after == timedelta(hours=2) and core.nudge_after == timedelta(hours=24)
    assert core.quiet_hours == QuietHours(time(22, 30), time(7))

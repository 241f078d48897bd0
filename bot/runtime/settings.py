"""Settings from a TOML file and ``ENTRAIDE_*`` environment variables, built once at start.

Precedence: environment (``ENTRAIDE_DATABASE_URL``, nested with ``__`` as in
``ENTRAIDE_REMINDERS__DELAY_HOURS``) over the TOML file over the defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, TomlConfigSettingsSource

from adapters.discord.settings import DiscordSettings
from adapters.slack.settings import SlackSettings
from bot.errors import ConfigError
from bot.i18n import LANGUAGES
from bot.localtime import QuietHours
from storage.engine import password_of

__all__ = ["ConfigError", "Settings", "load_settings"]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommunityDefaults(Section):
    """What a community starts with; organisers change it from the chat."""

    language: str = "en"
    timezone: str = "UTC"
    helpful_emoji: str = "white_check_mark"
    me_too_emoji: str = "eyes"
    bookmark_emoji: str = "bookmark"

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/Paris") from None
        return value


class Reminders(Section):
    delay_hours: float = Field(24, gt=0, le=720)
    max_per_question: int = Field(3, ge=0, le=10)
    max_channel_posts_per_day: int = Field(1, ge=1, le=24)  # round-ups per help channel


class Routing(Section):
    """Unanswered questions asked privately of members who know their topics."""

    after_hours: float = Field(4, gt=0, le=720)
    quiet_hours: str = "21:00-08:00"  # in each member's zone; "off" for none
    per_member_per_day: int = Field(2, ge=0, le=20)  # 0: nobody is asked

    @field_validator("quiet_hours")
    @classmethod
    def _a_window(cls, value: str) -> str:
        QuietHours.parse(value)
        return value


class Nudge(Section):
    """Askers asked which answer helped."""

    after_hours: float = Field(48, gt=0, le=2160)


class Scheduling(Section):
    catch_up_grace_hours: float = Field(6, ge=0, le=168)
    digest_days: int = Field(7, ge=1, le=31)
    tick_seconds: float = Field(30, gt=0, le=3600)  # how often `entraide run` looks for what is due
    # A delivery claimed by an instance that vanished is taken over after this; an instance
    # alive renews its claims while the platform answers.
    claim_lease_seconds: float = Field(300, gt=0, le=86400)
    drain_seconds: float = Field(20, ge=0, le=600)  # on SIGTERM, posts under way finish within this


class Health(Section):
    """`/healthz` and `/metrics` (Prometheus) over HTTP."""

    enabled: bool = True
    database_timeout_seconds: float = Field(3, gt=0, le=60)  # then /healthz answers 503
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)  # 0: any free port (it is logged)


class Recorder(Section):
    """A platform for trying `entraide run` without Slack or Discord: posts are appended to a file."""

    path: str | None = None  # JSON lines, one per post; the console community's posts go there
    delay_seconds: float = Field(0, ge=0, le=60)  # a slow platform: each post takes this long


class Console(Section):
    community: str = "console"
    organisers: list[str] = ["alice"]
    start: str | None = None  # ISO instant the simulated clock starts at; now when unset
    web: bool = True  # serve the web pages on web.host:web.port while the console runs


class Web(Section):
    """The web pages: the organisers' dashboard and the knowledge base (adapters/web)."""

    # Served by `entraide run` when enabled; the console serves them unless console.web is off.
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)  # 0: any free port (it is printed)
    # The address the links start with, as members reach it (a reverse proxy's https://…);
    # http://host:port when unset.
    base_url: str | None = None
    # Signs links and session cookies: ENTRAIDE_WEB__SECRET, the same for every instance.
    # When unset, one is generated once and kept in the database.
    secret: SecretStr | None = None
    session_hours: float = Field(12, gt=0, le=720)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ENTRAIDE_", env_nested_delimiter="__", extra="forbid"
    )

    database_url: str = "sqlite:///entraide.db"
    # entraide run: a statement or a connection attempt taking longer fails (PostgreSQL), so
    # that a database that stops answering holds neither the scheduler nor the deliverer; a
    # transaction left waiting on its instance that long (frozen) is ended by the server.
    database_timeout_seconds: float = Field(30, gt=0, le=3600)
    organisers: list[str] = []  # member ids that organise every community, on every platform
    community: CommunityDefaults = CommunityDefaults()
    reminders: Reminders = Reminders()
    routing: Routing = Routing()
    nudge: Nudge = Nudge()
    scheduling: Scheduling = Scheduling()
    console: Console = Console()
    slack: SlackSettings = SlackSettings()
    discord: DiscordSettings = DiscordSettings()
    health: Health = Health()
    recorder: Recorder = Recorder()
    web: Web = Web()
    log_level: str = "WARNING"
    log_format: Literal["text", "json"] = "text"

    def secrets(self) -> list[str]:
        """Every secret value, so that logging can mask them wherever they appear."""
        tokens = [
            self.slack.bot_token,
            self.slack.app_token,
            self.slack.signing_secret,
            self.discord.token,
            self.web.secret,
        ]
        password = password_of(self.database_url)
        return [t.get_secret_value() for t in tokens if t is not None] + (
            [str(password)] if password else []
        )

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value


def load_settings(path: Path | None = None) -> Settings:
    """Read ``path`` (if given) and the environment; raise :class:`ConfigError` naming what is wrong."""
    if path is not None and not path.is_file():
        raise ConfigError(f"configuration file {path} does not exist")

    class FromFile(Settings):
        @classmethod
        def settings_customise_sources(
            cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
        ):
            sources = [init_settings, env_settings]
            if path is not None:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
            return tuple(sources)

    try:
        return FromFile()
    except ValidationError as error:
        problems = [
            f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in error.errors(include_url=False)
        ]
        raise ConfigError("invalid configuration:\n" + "\n".join(problems)) from None
    except ValueError as error:  # e.g. a TOML syntax error
        raise ConfigError(f"invalid configuration file {path}: {error}") from None

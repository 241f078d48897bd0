"""The Slack adapter's settings (the ``[slack]`` section): a leaf both the adapter and the
runtime's settings import."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class SlackSettings(BaseModel):
    """The Slack app (adapters/slack). Secrets come from the environment, never from a committed file."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    mode: Literal["socket", "http"] = "socket"  # Socket Mode needs no public URL
    bot_token: SecretStr | None = None  # xoxb-…: ENTRAIDE_SLACK__BOT_TOKEN
    app_token: SecretStr | None = None  # xapp-… (Socket Mode): ENTRAIDE_SLACK__APP_TOKEN
    signing_secret: SecretStr | None = None  # HTTP mode: ENTRAIDE_SLACK__SIGNING_SECRET
    api_url: str = "https://slack.com/api/"  # GovSlack: https://slack-gov.com/api/
    host: str = "0.0.0.0"
    port: int = Field(
        3000, ge=1, le=65535
    )  # HTTP mode: events, commands and interactivity on /slack/events
    # Posts a second over the whole workspace, at most (Slack allows about one a second in
    # each channel, and "several hundred messages per minute" in all, without a figure).
    posts_per_second: float = Field(50, gt=0, le=1000)

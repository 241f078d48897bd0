"""The Discord adapter's settings (the ``[discord]`` section): a leaf both the adapter and the
runtime's settings import."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, SecretStr


class DiscordSettings(BaseModel):
    """The Discord bot (adapters/discord)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    token: SecretStr | None = None  # ENTRAIDE_DISCORD__TOKEN
    api_url: str = (
        "https://discord.com/api/v10"  # a REST proxy shared by several processes works too
    )
    shard_ids: list[int] | None = None
    shard_count: int | None = None

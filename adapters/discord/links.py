"""Where a message lives on Discord, for the web pages: its jump URL."""

from __future__ import annotations

JUMP = "https://discord.com/channels/{guild}/{channel}/{message}"


def jump_url(
    community_id: str, channel_id: str, message_id: str, forum: bool = False
) -> str | None:
    """``https://discord.com/channels/<guild>/<channel>/<message>``. A forum post's first
    message lives in the post's thread, whose id is the message's."""
    platform, _, guild = community_id.partition(":")
    if platform != "discord" or not guild.isdigit() or not message_id.isdigit():
        return None
    return JUMP.format(guild=guild, channel=message_id if forum else channel_id, message=message_id)

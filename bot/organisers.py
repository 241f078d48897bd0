"""``/entraide config``, ``schedule`` and ``topics``: settings stored per community, changed by
organisers, and the topics members follow."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from bot.context import Context
from bot.domain import CommunitySettings, ScheduleKind
from bot.emoji import setting as emoji_setting
from bot.errors import UserError
from bot.i18n import LANGUAGES, language_for, spans, t
from bot.ports import Transaction
from bot.replies import Line, Message, bold, channel, code, plain, private
from bot.schedule import WEEKDAYS, parse_time, parse_weekday, zone
from bot.text import clean_tags
from bot.web import commands as web_commands

SETTINGS = {
    "help-channel": "help_channel",
    "resources-channel": "resources_channel",
    "language": "language",
    "timezone": "timezone",
    "helpful-emoji": "helpful_emoji",
    "me-too-emoji": "me_too_emoji",
    "bookmark-emoji": "bookmark_emoji",
    "reminder-delay": "reminder_delay",
}
_DURATION = re.compile(r"^(\d{1,4})\s*(m|min|h|d|j)$")
_CHANNEL = re.compile(r"^<#([\w-]{1,80})(?:\|[^>]*)?>$|^#?([\w-]{1,80})$")


def parse_channel(text: str) -> str:
    """A channel reference as any platform types it: ``#help``, ``<#C0123|help>``, ``<#1234>``."""
    match = _CHANNEL.match(text.strip())
    if not match:
        raise UserError("error.bad_channel", channel=text[:80])
    return match.group(1) or match.group(2)


def parse_duration(text: str) -> timedelta:
    """``30m``, ``24h``, ``2d`` (``j`` for jours too)."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise UserError("error.bad_duration", duration=text[:20])
    amount, unit = int(match[1]), match[2]
    delay = {
        "m": timedelta(minutes=amount),
        "min": timedelta(minutes=amount),
        "h": timedelta(hours=amount),
    }.get(unit, timedelta(days=amount))
    if not timedelta(minutes=5) <= delay <= timedelta(days=30):
        raise UserError("error.bad_duration", duration=text[:20])
    return delay


async def configure(ctx: Context, args: list[str]) -> Message:
    """``/entraide config`` shows the settings; ``/entraide config <name> <value>`` changes one."""
    if not args:
        lines = _settings_lines(ctx.language, ctx.settings)
        return private(*lines[:-1], *await web_commands.setting_lines(ctx), lines[-1])
    ctx.require_organiser()
    name, value = args[0].lower(), " ".join(args[1:]).strip()
    if name in web_commands.SETTINGS:
        return await web_commands.configure(ctx, name, value)
    if name not in SETTINGS:
        names = ", ".join([*SETTINGS, *web_commands.SETTINGS])
        raise UserError("error.unknown_setting", name=name[:40], names=names)
    settings = replace(ctx.settings, **{SETTINGS[name]: _parse_setting(name, value)})
    await ctx.core.save_settings(ctx.tx, settings)
    language = language_for(settings.language, ctx.actor.locale)  # a new language shows at once
    return private(spans(language, "config.changed", name=name, value=_shown(settings, name)))


def _parse_setting(name: str, value: str):
    if name in ("help-channel", "resources-channel"):
        return None if value.lower() in ("", "none", "off", "aucun") else parse_channel(value)
    if not value:
        raise UserError("error.missing_value", name=name)
    if name == "language":
        if value.lower() not in LANGUAGES:
            raise UserError("error.bad_language", languages=", ".join(LANGUAGES))
        return value.lower()
    if name == "timezone":
        zone(value)
        return value
    if name == "reminder-delay":
        return parse_duration(value)
    emoji = emoji_setting(value)
    if emoji is None:
        raise UserError("error.bad_emoji", emoji=value[:20])
    return emoji


def _shown(settings: CommunitySettings, name: str) -> str:
    value = getattr(settings, SETTINGS[name])
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"
    return "—" if value is None else str(value)


def _settings_lines(language: str, settings: CommunitySettings) -> list[Line]:
    lines: list[Line] = [(bold(t(language, "config.title")),)]
    for name in SETTINGS:
        lines.append((code(name), plain(": " + _shown(settings, name))))
    lines.append(spans(language, "config.how_to_change"))
    return lines


async def schedule(ctx: Context, args: list[str]) -> Message:
    """``/entraide schedule [prompts|digest] [#channel] [day] [HH:MM] [zone]`` or ``… off``.

    With no arguments, lists the schedules. Missing parts take the defaults:
    the current channel, Monday 09:30 for prompts (Friday 16:00 for the digest),
    the community's zone.
    """
    tx, language = ctx.tx, ctx.language
    if not args:
        return private(*await _schedule_lines(tx, language, ctx.community_id))
    ctx.require_organiser()
    kind = {
        "prompts": ScheduleKind.PROMPT,
        "prompt": ScheduleKind.PROMPT,
        "digest": ScheduleKind.DIGEST,
    }.get(args[0].lower())
    if kind is None:
        raise UserError("error.bad_schedule_kind")
    rest = args[1:]
    channel_id = parse_channel(rest.pop(0)) if rest and rest[0].startswith(("#", "<#")) else None
    if channel_id is None:
        raise UserError("error.schedule_needs_channel")
    if rest and rest[0].lower() in ("off", "stop", "arrêt", "arret"):
        _no_more_words(rest[1:])
        removed = await tx.practice.remove_schedule(ctx.community_id, kind, channel_id)
        return private(
            spans(
                language,
                "schedule.removed" if removed else "schedule.none_to_remove",
                channel=channel(channel_id),
            )
        )
    default_day, default_time = (0, "09:30") if kind is ScheduleKind.PROMPT else (4, "16:00")
    weekday = parse_weekday(rest.pop(0)) if rest else default_day
    local_time = parse_time(rest.pop(0)) if rest else default_time
    timezone = rest.pop(0) if rest else ctx.settings.timezone
    _no_more_words(rest)
    zone(timezone)
    await tx.practice.set_schedule(
        ctx.community_id, kind, channel_id, weekday, local_time, timezone, ctx.now
    )
    return private(
        spans(
            language,
            f"schedule.set_{kind.value}",
            channel=channel(channel_id),
            day=t(language, f"weekday.{WEEKDAYS[weekday]}"),
            time=local_time,
            zone=timezone,
        )
    )


def _no_more_words(rest: list[str]) -> None:
    """Words left over were meant for something: say so rather than guess."""
    if rest:
        raise UserError("error.schedule_extra", words=" ".join(rest)[:60])


async def _schedule_lines(tx: Transaction, language: str, community_id: str) -> list[Line]:
    found = await tx.practice.schedules(community_id)
    if not found:
        return [spans(language, "schedule.none")]
    return [
        spans(
            language,
            f"schedule.item_{s.kind.value}",
            channel=channel(s.channel_id),
            day=t(language, f"weekday.{WEEKDAYS[s.weekday]}"),
            time=s.local_time,
            zone=s.timezone,
        )
        for s in found
    ]


async def topics(ctx: Context, args: list[str]) -> Message:
    """``/entraide topics [add|remove] tag …``: what a member wants to be told about;
    ``off`` and ``on``: whether they hear about it at all (routed requests, topic round-ups)."""
    communities, member = ctx.tx.communities, ctx.actor.member_id
    action = args[0].lower() if args else "list"
    if action in ("off", "on"):
        if args[1:]:
            raise UserError("error.bad_topics_command")
        await communities.pause_topics(ctx.community_id, member, action == "off")
        return private(spans(ctx.language, f"topics.{action}"))
    if action in ("add", "ajouter", "remove", "retirer"):
        chosen = clean_tags(args[1:])
        if not chosen:
            raise UserError("error.no_topics")
        if action in ("add", "ajouter"):
            await communities.add_topics(ctx.community_id, member, chosen)
        else:
            await communities.remove_topics(ctx.community_id, member, chosen)
    elif action not in ("list", "liste"):
        raise UserError("error.bad_topics_command")
    current = await communities.topics(ctx.community_id, member)
    profile = (await communities.profiles(ctx.community_id, [member])).get(member)
    paused = [spans(ctx.language, "topics.paused")] if profile and profile.topics_paused else []
    if not current:
        return private(spans(ctx.language, "topics.none"), *paused)
    return private(
        spans(ctx.language, "topics.current", topics=" ".join(f"#{topic}" for topic in current)),
        *paused,
    )

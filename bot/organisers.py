"""``/entraide config`` and ``/entraide schedule``: organisers' settings, stored per community."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from bot.commands import Actor
from bot.core import Core
from bot.domain import CommunitySettings, ScheduleKind
from bot.emoji import setting as emoji_setting
from bot.errors import UserError
from bot.i18n import LANGUAGES, spans, t
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


def require_organiser(core: Core, actor: Actor) -> None:
    if not core.is_organiser(actor):
        raise UserError("error.organisers_only")


async def configure(core: Core, actor: Actor, args: list[str]) -> Message:
    """``/entraide config`` shows the settings; ``/entraide config <name> <value>`` changes one."""
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        language = core.private_language(settings, actor)
        if not args:
            lines = _settings_lines(language, settings)
            return private(*lines[:-1], *await web_commands.setting_lines(core, actor), lines[-1])
        require_organiser(core, actor)
        name, value = args[0].lower(), " ".join(args[1:]).strip()
        if name in web_commands.SETTINGS:
            return await web_commands.configure(core, actor, name, value)
        if name not in SETTINGS:
            names = ", ".join([*SETTINGS, *web_commands.SETTINGS])
            raise UserError("error.unknown_setting", name=name[:40], names=names)
        settings = replace(settings, **{SETTINGS[name]: _parse_setting(name, value)})
        await core.save_settings(tx, settings)
    return private(
        spans(
            core.private_language(settings, actor),
            "config.changed",
            name=name,
            value=_shown(settings, name),
        )
    )


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


async def schedule(core: Core, actor: Actor, args: list[str]) -> Message:
    """``/entraide schedule [prompts|digest] [#channel] [day] [HH:MM] [zone]`` or ``… off``.

    With no arguments, lists the schedules. Missing parts take the defaults:
    the current channel, Monday 09:30 for prompts (Friday 16:00 for the digest),
    the community's zone.
    """
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        language = core.private_language(settings, actor)
        if not args:
            return private(*await _schedule_lines(tx, language, actor.community_id))
        require_organiser(core, actor)
        kind = {
            "prompts": ScheduleKind.PROMPT,
            "prompt": ScheduleKind.PROMPT,
            "digest": ScheduleKind.DIGEST,
        }.get(args[0].lower())
        if kind is None:
            raise UserError("error.bad_schedule_kind")
        rest = args[1:]
        channel_id = (
            parse_channel(rest.pop(0)) if rest and rest[0].startswith(("#", "<#")) else None
        )
        if channel_id is None:
            raise UserError("error.schedule_needs_channel")
        if rest and rest[0].lower() in ("off", "stop", "arrêt", "arret"):
            _no_more_words(rest[1:])
            removed = await tx.remove_schedule(actor.community_id, kind, channel_id)
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
        timezone = rest.pop(0) if rest else settings.timezone
        _no_more_words(rest)
        zone(timezone)
        await tx.set_schedule(
            actor.community_id, kind, channel_id, weekday, local_time, timezone, core.clock.now()
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
    found = await tx.schedules(community_id)
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


async def topics(core: Core, actor: Actor, args: list[str]) -> Message:
    """``/entraide topics [add|remove] tag …``: what a member wants to be told about."""
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        language = core.private_language(settings, actor)
        action = args[0].lower() if args else "list"
        if action in ("add", "ajouter", "remove", "retirer"):
            chosen = clean_tags(args[1:])
            if not chosen:
                raise UserError("error.no_topics")
            if action in ("add", "ajouter"):
                await tx.add_topics(actor.community_id, actor.member_id, chosen)
            else:
                await tx.remove_topics(actor.community_id, actor.member_id, chosen)
        elif action not in ("list", "liste"):
            raise UserError("error.bad_topics_command")
        current = await tx.topics(actor.community_id, actor.member_id)
    if not current:
        return private(spans(language, "topics.none"))
    return private(
        spans(language, "topics.current", topics=" ".join(f"#{topic}" for topic in current))
    )

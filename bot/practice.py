"""Practice sharing: the weekly prompt's post, the shares in its thread, organisers' own prompts."""

from __future__ import annotations

import hashlib
import logging

from bot.context import Context
from bot.core import Core
from bot.domain import CommunitySettings, Prompt
from bot.i18n import spans, t
from bot.ports import Transaction
from bot.replies import Message, bold, italic, plain, private
from bot.search import Kind
from bot.text import PROMPT_MAX, clean, clean_reply, fold

log = logging.getLogger(__name__)

CUSTOM_THEME = "community"


async def _own_prompts(tx: Transaction, community_id: str) -> list[Prompt]:
    return [
        Prompt(prompt_id, theme, {language: text})
        for prompt_id, theme, language, text in await tx.practice.custom_prompts(community_id)
    ]


async def prompt_by_id(
    core: Core, tx: Transaction, community_id: str, prompt_id: str
) -> Prompt | None:
    return core.library.get(prompt_id) or next(
        (p for p in await _own_prompts(tx, community_id) if p.id == prompt_id), None
    )


async def choose_prompt(
    core: Core, tx: Transaction, community_id: str, channel_id: str
) -> Prompt | None:
    """The next prompt for a channel: never one it had, until the library is exhausted."""
    used = await tx.practice.used_prompt_ids(community_id, channel_id)
    return core.library.next_prompt(used, extra=await _own_prompts(tx, community_id))


def prompt_message(core: Core, settings: CommunitySettings, prompt: Prompt) -> Message:
    language = settings.language
    theme = core.library.theme_names.get(prompt.theme, {}).get(language) or t(
        language, "prompt.custom_theme"
    )
    return Message(
        title=(bold(t(language, "prompt.title")),),
        lines=(
            (italic(theme),),
            (plain(prompt.text(language)),),
            spans(language, "prompt.how_to_share"),
        ),
        opens_thread=True,
    )


async def record_share(ctx: Context, occurrence_id: int, message_id: str, text: str) -> None:
    """A reply in a prompt's thread is a practice share, findable with its prompt's words."""
    share = await ctx.tx.practice.add_share(
        ctx.community_id, occurrence_id, ctx.actor.member_id, clean_reply(text), message_id, ctx.now
    )
    if share is None:
        return
    prompt = ctx.core.library.get(share.prompt_id or "")
    title = " ".join(prompt.texts.values()) if prompt else ""
    await ctx.tx.search.index(ctx.community_id, Kind.SHARE, share.id, fold(title), fold(share.text))


async def add_prompt(ctx: Context, text: str) -> Message:
    """``/entraide prompt add <text>``: a prompt of the community's own, in its language."""
    ctx.require_organiser()
    text = clean(text, field="prompt", limit=PROMPT_MAX)
    # A stable id from the text: adding the same prompt twice is refused by the unique key.
    prompt_id = "own-" + hashlib.sha1(fold(text).encode()).hexdigest()[:10]
    existing = {row[0] for row in await ctx.tx.practice.custom_prompts(ctx.community_id)}
    if prompt_id in existing:
        return private(spans(ctx.language, "prompt.already_added"))
    await ctx.tx.practice.add_custom_prompt(
        ctx.community_id,
        prompt_id,
        CUSTOM_THEME,
        ctx.settings.language,
        text,
        ctx.actor.member_id,
        ctx.now,
    )
    return private(spans(ctx.language, "prompt.added"))

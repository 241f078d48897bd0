"""Resources: ``/share``, the bookmark reaction, upvotes and ``/resources``."""

from __future__ import annotations

import logging
import re

from bot import delivery
from bot.commands import ReactionAdded
from bot.context import Context
from bot.core import Core
from bot.delivery import RESOURCE, Subject
from bot.domain import Delivery, MarkKind, Resource
from bot.errors import UserError
from bot.i18n import spans, t
from bot.ports import ChatError, FetchedMessage, Transaction
from bot.replies import Line, Message, Span, bold, code, link, mention, plain, private
from bot.search import Kind, parse_query
from bot.text import NOTE_MAX, NOTES_MAX, TAGS_MAX, clean, clean_tags, fold, split_tags
from bot.urls import display_url, first_url, normalise_url

log = logging.getLogger(__name__)

LIST_LIMIT = 10


async def share(
    ctx: Context, url: str, tags: str | tuple[str, ...] = (), note: str = ""
) -> Message:
    """``/share <url> [#tag …] [note]``, or its typed options."""
    tags = clean_tags((tags,) if isinstance(tags, str) else tags)
    note = " ".join((note or "").split())  # a note is shown on one line
    return await save(ctx, url, tags, note, shared_by=ctx.actor.member_id, source_message_id=None)


async def read_bookmarked(core: Core, reaction: ReactionAdded) -> FetchedMessage | None:
    """The message a bookmark reaction is on, read from the platform (before any unit of work)."""
    if (
        reaction.message_author_id is not None
        and reaction.message_author_id == reaction.actor.member_id
    ):
        return None  # reacting to your own message counts for nothing: /share it instead
    try:
        return await core.chat.fetch_message(
            reaction.actor.community_id, reaction.channel_id, reaction.message_id
        )
    except ChatError:
        return None


async def bookmark(ctx: Context, message: FetchedMessage | None) -> Message | None:
    """The bookmark emoji on any message with a link saves it, credited to the message's author."""
    url = first_url(message.text) if message else None
    if message is None or url is None or message.author_id == ctx.actor.member_id:
        return None
    return await save(
        ctx, url, (), "", shared_by=message.author_id, source_message_id=message.message_id
    )


async def save(
    ctx: Context,
    raw_url: str,
    tags: tuple[str, ...],
    note: str,
    shared_by: str,
    source_message_id: str | None,
) -> Message:
    url = normalise_url(raw_url)
    tags = clean_tags(tags)
    note = clean(note, field="note", limit=NOTE_MAX, required=False)
    tx, community_id = ctx.tx, ctx.community_id
    resource = await tx.resources.add(community_id, url, shared_by, source_message_id, ctx.now)
    is_new = resource is not None
    if is_new and ctx.settings.resources_channel:
        # Announced in the resources channel; reactions on that post are upvotes.
        await delivery.post(
            ctx.core,
            tx,
            community_id,
            ctx.settings.resources_channel,
            f"resource:{resource.id}",
            subject=RESOURCE,
            subject_id=resource.id,
        )
    resource = resource or await tx.resources.by_url(community_id, url)
    _check_room(resource, tags, note)
    new_tags, new_note = await tx.resources.add_details(
        resource, tags, note, ctx.actor.member_id, ctx.now
    )
    resource = await tx.resources.get(community_id, resource.id)
    await index_resource(tx, resource)
    if is_new:
        return private(
            spans(ctx.language, "share.saved", url=resource_link(resource), number=resource.id)
        )
    names = await tx.communities.member_names(community_id, [resource.shared_by or ""])
    first = (
        mention(resource.shared_by, names.get(resource.shared_by, ""))
        if resource.shared_by
        else plain("?")
    )
    lines: list[Line] = [
        spans(
            ctx.language,
            "share.duplicate",
            url=resource_link(resource),
            who=first,
            date=resource.created_at.date().isoformat(),
        )
    ]
    if new_tags:
        lines.append(
            spans(ctx.language, "share.tags_added", tags=" ".join(f"#{tag}" for tag in new_tags))
        )
    if new_note:
        lines.append(spans(ctx.language, "share.note_added"))
    return private(*lines)


def _check_room(resource: Resource, tags: tuple[str, ...], note: str) -> None:
    """Each share of a known link may add to it: its tags and notes stay within bounds."""
    if len(set(resource.tags) | set(tags)) > TAGS_MAX:
        raise UserError("error.resource_tags_full", count=len(resource.tags), limit=TAGS_MAX)
    if note and note not in resource.notes and len(resource.notes) >= NOTES_MAX:
        raise UserError("error.resource_notes_full", limit=NOTES_MAX)


async def index_resource(tx: Transaction, resource: Resource) -> None:
    url_words = re.sub(r"[^\w]+", " ", display_url(resource.url).split("://", 1)[-1])
    await tx.search.index(
        resource.community_id,
        Kind.RESOURCE,
        resource.id,
        fold(f"{resource.title} {url_words}"),
        fold(" ".join([*resource.tags, *resource.notes])),
    )


def resource_link(resource: Resource) -> Span:
    """The stored (ASCII) link, shown as members read it."""
    return link(resource.url, display_url(resource.url))


def resource_card(language: str, resource: Resource, sharer_name: str) -> Message:
    lines: list[Line] = [(resource_link(resource),)]
    lines += [(plain("“"), plain(note), plain("”")) for note in resource.notes]
    if resource.tags:
        lines.append((code(" ".join(f"#{tag}" for tag in resource.tags)),))
    if resource.shared_by:
        lines.append(
            spans(language, "resource.shared_by", who=mention(resource.shared_by, sharer_name))
        )
    return Message(
        lines=tuple(lines), title=(bold(t(language, "resource.title", number=resource.id)),)
    )


async def _render_resource(core: Core, tx: Transaction, queued: Delivery) -> Message | None:
    resource = await tx.resources.get(queued.community_id, queued.subject_id or 0)
    if resource is None:
        return None
    settings = await core.settings(tx, queued.community_id)
    names = await tx.communities.member_names(queued.community_id, [resource.shared_by or ""])
    return resource_card(settings.language, resource, names.get(resource.shared_by or "", ""))


RESOURCE_CARD = Subject(render=_render_resource)


async def upvote(ctx: Context, resource: Resource, added: bool) -> None:
    """Any reaction on a resource's post is an upvote, but its sharer's own."""
    if ctx.actor.member_id == resource.shared_by or resource.post_message_id is None:
        return
    await ctx.tx.marks.set(
        ctx.community_id,
        resource.post_message_id,
        ctx.actor.member_id,
        MarkKind.UPVOTE,
        added,
        ctx.now,
    )


async def list_resources(ctx: Context, query: str = "") -> Message:
    """``/resources [words] [#tag]``: best matches first, or the latest when nothing is asked."""
    words_text, tags = split_tags(query or "", leading=True)
    if len(tags) > 1:
        raise UserError("error.one_tag_only")
    tag = tags[0] if tags else None
    parsed = parse_query(words_text)
    tx, community_id = ctx.tx, ctx.community_id
    if parsed.empty and tag is None:
        found = (await tx.resources.all(community_id))[-LIST_LIMIT:][::-1]
    else:
        hits = await tx.search.find(
            community_id, parsed, [Kind.RESOURCE], tag=tag, limit=LIST_LIMIT
        )
        by_id = await tx.resources.by_ids(community_id, [h.ref_id for h in hits])
        found = [by_id[h.ref_id] for h in hits if h.ref_id in by_id]
    if not found:
        return private(spans(ctx.language, "resources.none"))
    names = await tx.communities.member_names(
        community_id, [r.shared_by for r in found if r.shared_by]
    )
    lines: list[Line] = [spans(ctx.language, "resources.found", count=len(found))]
    for resource in found:
        lines.append(resource_line(ctx.language, resource, names))
    return private(*lines)


def resource_line(language: str, resource: Resource, names: dict[str, str]) -> Line:
    line: list = [bold(f"R{resource.id}"), plain(" "), resource_link(resource)]
    if resource.tags:
        line += [plain(" "), code(" ".join(f"#{tag}" for tag in resource.tags))]
    if resource.upvotes:
        line.append(plain(" " + t(language, "resource.upvotes", count=resource.upvotes)))
    if resource.shared_by:
        line += [plain(" — "), mention(resource.shared_by, names.get(resource.shared_by, ""))]
    if resource.notes:
        line += [plain(": "), plain(resource.notes[0])]
    return tuple(line)

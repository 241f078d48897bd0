"""Resources: ``/share``, the bookmark reaction, upvotes and ``/resources``."""

from __future__ import annotations

import logging
import re

from bot import delivery
from bot.commands import Actor, ReactionAdded
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


async def share(core: Core, actor: Actor, text: str) -> Message:
    """``/share <url> [#tag …] [note]``."""
    url, _, rest = (text or "").strip().partition(" ")
    note, tags = split_tags(rest, leading=True)
    note = " ".join(note.split())  # a note is shown on one line
    return await save(
        core, actor, url, tags, note, shared_by=actor.member_id, source_message_id=None
    )


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


async def bookmark(core: Core, actor: Actor, message: FetchedMessage | None) -> Message | None:
    """The bookmark emoji on any message with a link saves it, credited to the message's author."""
    url = first_url(message.text) if message else None
    if message is None or url is None or message.author_id == actor.member_id:
        return None
    return await save(
        core, actor, url, (), "", shared_by=message.author_id, source_message_id=message.message_id
    )


async def save(
    core: Core,
    actor: Actor,
    raw_url: str,
    tags: tuple[str, ...],
    note: str,
    shared_by: str,
    source_message_id: str | None,
) -> Message:
    url = normalise_url(raw_url)
    tags = clean_tags(tags)
    note = clean(note, field="note", limit=NOTE_MAX, required=False)
    now = core.clock.now()
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        language = core.private_language(settings, actor)
        resource = await tx.add_resource(actor.community_id, url, shared_by, source_message_id, now)
        is_new = resource is not None
        if is_new and settings.resources_channel:
            # Announced in the resources channel; reactions on that post are upvotes.
            await delivery.post(
                core,
                tx,
                actor.community_id,
                settings.resources_channel,
                f"resource:{resource.id}",
                subject=RESOURCE,
                subject_id=resource.id,
            )
        resource = resource or await tx.resource_by_url(actor.community_id, url)
        _check_room(resource, tags, note)
        new_tags, new_note = await tx.add_resource_details(
            resource, tags, note, actor.member_id, now
        )
        resource = await tx.resource(actor.community_id, resource.id)
        await index_resource(tx, resource)
        names = await tx.member_names(actor.community_id, [resource.shared_by or ""])
    if is_new:
        return private(
            spans(language, "share.saved", url=resource_link(resource), number=resource.id)
        )
    first = (
        mention(resource.shared_by, names.get(resource.shared_by, ""))
        if resource.shared_by
        else plain("?")
    )
    lines: list[Line] = [
        spans(
            language,
            "share.duplicate",
            url=resource_link(resource),
            who=first,
            date=resource.created_at.date().isoformat(),
        )
    ]
    if new_tags:
        lines.append(
            spans(language, "share.tags_added", tags=" ".join(f"#{tag}" for tag in new_tags))
        )
    if new_note:
        lines.append(spans(language, "share.note_added"))
    return private(*lines)


def _check_room(resource: Resource, tags: tuple[str, ...], note: str) -> None:
    """Each share of a known link may add to it: its tags and notes stay within bounds."""
    if len(set(resource.tags) | set(tags)) > TAGS_MAX:
        raise UserError("error.resource_tags_full", count=len(resource.tags), limit=TAGS_MAX)
    if note and note not in resource.notes and len(resource.notes) >= NOTES_MAX:
        raise UserError("error.resource_notes_full", limit=NOTES_MAX)


async def index_resource(tx: Transaction, resource: Resource) -> None:
    url_words = re.sub(r"[^\w]+", " ", display_url(resource.url).split("://", 1)[-1])
    await tx.index(
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
    resource = await tx.resource(queued.community_id, queued.subject_id or 0)
    if resource is None:
        return None
    settings = await core.settings(tx, queued.community_id)
    names = await tx.member_names(queued.community_id, [resource.shared_by or ""])
    return resource_card(settings.language, resource, names.get(resource.shared_by or "", ""))


RESOURCE_CARD = Subject(render=_render_resource)


async def upvote(core: Core, actor: Actor, resource: Resource, added: bool) -> None:
    if actor.member_id == resource.shared_by or resource.post_message_id is None:
        return
    async with core.store.transaction() as tx:
        await tx.set_mark(
            actor.community_id,
            resource.post_message_id,
            actor.member_id,
            MarkKind.UPVOTE,
            added,
            core.clock.now(),
        )


async def list_resources(core: Core, actor: Actor, text: str) -> Message:
    """``/resources [words] [#tag]``: best matches first, or the latest when nothing is asked."""
    words_text, tags = split_tags(text or "", leading=True)
    if len(tags) > 1:
        raise UserError("error.one_tag_only")
    tag = tags[0] if tags else None
    query = parse_query(words_text)
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        if query.empty and tag is None:
            found = (await tx.all_resources(actor.community_id))[-LIST_LIMIT:][::-1]
        else:
            hits = await tx.search(
                actor.community_id, query, [Kind.RESOURCE], tag=tag, limit=LIST_LIMIT
            )
            by_id = await tx.resources_by_ids(actor.community_id, [h.ref_id for h in hits])
            found = [by_id[h.ref_id] for h in hits if h.ref_id in by_id]
        names = await tx.member_names(
            actor.community_id, [r.shared_by for r in found if r.shared_by]
        )
    language = core.private_language(settings, actor)
    if not found:
        return private(spans(language, "resources.none"))
    lines: list[Line] = [spans(language, "resources.found", count=len(found))]
    for resource in found:
        lines.append(resource_line(language, resource, names))
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

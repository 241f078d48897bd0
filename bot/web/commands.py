"""The chat side of the web: ``/entraide dashboard``, ``/entraide library``,
``/entraide config public-library|search-engines``, ``/entraide profile public``."""

from __future__ import annotations

from dataclasses import replace

from bot.commands import Actor
from bot.core import Core
from bot.errors import UserError
from bot.i18n import spans, t
from bot.replies import Line, Message, code, link, plain, private
from bot.web.access import Role
from bot.web.site import community_path, new_link

# `/entraide config` names of the web settings, and their field in WebSettings.
SETTINGS = {"public-library": "public_library", "search-engines": "search_engines"}
_ON, _OFF = ("on", "yes", "oui", "true", "1"), ("off", "no", "non", "false", "0")


def parse_switch(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise UserError("error.bad_switch", name=name)


async def _language(core: Core, actor: Actor) -> str:
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
    return core.private_language(settings, actor)


async def dashboard(core: Core, actor: Actor) -> Message:
    """An organiser's private, single-use link to the overview."""
    if not core.is_organiser(actor):
        raise UserError("error.dashboard_for_organisers")
    language = await _language(core, actor)
    if core.web is None:
        return private(spans(language, "web.not_served"))
    url = await new_link(core.store, core.web, core.clock, actor.community_id, Role.ORGANISER)
    return private(spans(language, "web.dashboard_link", link=link(url)))


async def library(core: Core, actor: Actor) -> Message:
    """A member's link to the knowledge base, and its public address when it is public."""
    language = await _language(core, actor)
    if core.web is None:
        return private(spans(language, "web.not_served"))
    async with core.store.transaction() as tx:
        web = await tx.web.settings(actor.community_id)
    role = Role.ORGANISER if core.is_organiser(actor) else Role.MEMBER
    url = await new_link(core.store, core.web, core.clock, actor.community_id, role)
    lines = [spans(language, "web.library_link", link=link(url))]
    if web.public_library:
        public = core.web.url(community_path(actor.community_id, "kb"))
        lines.append(spans(language, "web.library_public", link=link(public)))
    return private(*lines)


async def configure(core: Core, actor: Actor, name: str, value: str) -> Message:
    """``/entraide config public-library on`` (organisers only, checked by the caller)."""
    public = parse_switch(name, value)
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        web = await tx.web.settings(actor.community_id)
        web = replace(web, **{SETTINGS[name]: public})
        await tx.web.save_settings(actor.community_id, web, core.clock.now())
    language = core.private_language(settings, actor)
    return private(spans(language, "config.changed", name=name, value="on" if public else "off"))


async def setting_lines(core: Core, actor: Actor) -> list[Line]:
    """The web settings, for ``/entraide config``'s list."""
    async with core.store.transaction() as tx:
        web = await tx.web.settings(actor.community_id)
    return [
        (code(name), plain(": " + ("on" if getattr(web, field) else "off")))
        for name, field in SETTINGS.items()
    ]


async def profile(core: Core, actor: Actor, args: list[str]) -> Message:
    """``/entraide profile [public on|off]``: whether a member may be named publicly."""
    now = core.clock.now()
    async with core.store.transaction() as tx:
        settings = await core.settings(tx, actor.community_id)
        language = core.private_language(settings, actor)
        if len(args) == 2 and args[0].lower() == "public":
            public = parse_switch("public", args[1])
            await tx.web.set_public_profile(actor.community_id, actor.member_id, public, now)
            return private(spans(language, "web.profile_on" if public else "web.profile_off"))
        if args:
            raise UserError("error.bad_switch", name="profile public")
        public = await tx.web.public_profile(actor.community_id, actor.member_id)
    return private(
        spans(language, "web.profile_how", state=t(language, "web.on" if public else "web.off"))
    )

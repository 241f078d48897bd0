"""The chat side of the web: ``/entraide dashboard``, ``/entraide library``,
``/entraide config public-library|search-engines``, ``/entraide profile public``."""

from __future__ import annotations

from dataclasses import replace

from bot.context import Context
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


async def dashboard(ctx: Context) -> Message:
    """An organiser's private, single-use link to the overview."""
    if not ctx.is_organiser:
        raise UserError("error.dashboard_for_organisers")
    core = ctx.core
    if core.web is None:
        return private(spans(ctx.language, "web.not_served"))
    url = await new_link(core.store, core.web, core.clock, ctx.community_id, Role.ORGANISER)
    return private(spans(ctx.language, "web.dashboard_link", link=link(url)))


async def library(ctx: Context) -> Message:
    """A member's link to the knowledge base, and its public address when it is public."""
    core = ctx.core
    if core.web is None:
        return private(spans(ctx.language, "web.not_served"))
    web = await ctx.tx.web.settings(ctx.community_id)
    role = Role.ORGANISER if ctx.is_organiser else Role.MEMBER
    url = await new_link(core.store, core.web, core.clock, ctx.community_id, role)
    lines = [spans(ctx.language, "web.library_link", link=link(url))]
    if web.public_library:
        public = core.web.url(community_path(ctx.community_id, "kb"))
        lines.append(spans(ctx.language, "web.library_public", link=link(public)))
    return private(*lines)


async def configure(ctx: Context, name: str, value: str) -> Message:
    """``/entraide config public-library on`` (organisers only, checked by the caller)."""
    public = parse_switch(name, value)
    web = await ctx.tx.web.settings(ctx.community_id)
    web = replace(web, **{SETTINGS[name]: public})
    await ctx.tx.web.save_settings(ctx.community_id, web, ctx.now)
    return private(
        spans(ctx.language, "config.changed", name=name, value="on" if public else "off")
    )


async def setting_lines(ctx: Context) -> list[Line]:
    """The web settings, for ``/entraide config``'s list."""
    web = await ctx.tx.web.settings(ctx.community_id)
    return [
        (code(name), plain(": " + ("on" if getattr(web, field) else "off")))
        for name, field in SETTINGS.items()
    ]


async def profile(ctx: Context, args: list[str]) -> Message:
    """``/entraide profile [public on|off]``: whether a member may be named publicly."""
    language, member = ctx.language, ctx.actor.member_id
    if len(args) == 2 and args[0].lower() == "public":
        public = parse_switch("public", args[1])
        await ctx.tx.web.set_public_profile(ctx.community_id, member, public, ctx.now)
        return private(spans(language, "web.profile_on" if public else "web.profile_off"))
    if args:
        raise UserError("error.bad_switch", name="profile public")
    public = await ctx.tx.web.public_profile(ctx.community_id, member)
    return private(
        spans(language, "web.profile_how", state=t(language, "web.on" if public else "web.off"))
    )

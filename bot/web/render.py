"""HTML from the templates (Jinja2, every value escaped), in the viewer's language."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.i18n import LANGUAGES, t


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render(template: str, language: str, **context: object) -> str:
    """``template`` filled with ``context``; ``_(key, name=…)`` translates a message."""
    return (
        environment()
        .get_template(template)
        .render(
            _=lambda key, **values: t(language, key, **values),
            lang=language,
            languages=LANGUAGES,
            **context,
        )
    )


def stylesheet() -> bytes:
    from importlib import resources

    return resources.files("bot.web").joinpath("static/entraide.css").read_bytes()

"""The /ask form (``/ask`` with no text): a modal built from the command's spec, and its submission.

The modal remembers where it was opened (``private_metadata``): the channel, and
the command's ``response_url`` so that the reply reaches the member privately
even in a channel the bot is not in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from adapters.slack.translate import AskForm
from bot.i18n import language_for, t
from bot.specs import spec

CALLBACK_ID = "entraide:ask"
VALUE = "value"


def ask_modal(locale: str | None, channel_id: str, response_url: str | None) -> dict:
    language = language_for("en", locale)
    parameters = {parameter.name: parameter for parameter in spec("ask").parameters}

    def label(name: str) -> dict:
        return _text(parameters[name].description[language])

    def text_input(name: str, title: dict, optional: bool, multiline: bool = False) -> dict:
        element = {"type": "plain_text_input", "action_id": VALUE, "multiline": multiline}
        if parameters[name].max_length:
            element["max_length"] = parameters[name].max_length
        return {
            "type": "input",
            "block_id": name,
            "label": title,
            "optional": optional,
            "element": element,
        }

    anonymous = {
        "type": "input",
        "block_id": "anonymous",
        "label": _text(t(language, "form.ask.anonymity")),
        "optional": True,
        "element": {
            "type": "checkboxes",
            "action_id": VALUE,
            "options": [{"text": label("anonymous"), "value": "anonymous"}],
        },
    }
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _text(t(language, "form.ask.title")[:24]),
        "submit": _text(t(language, "form.ask.submit")[:24]),
        "close": _text(t(language, "form.ask.cancel")[:24]),
        "private_metadata": json.dumps({"channel": channel_id, "response_url": response_url}),
        "blocks": [
            text_input("question", _text(t(language, "form.ask.question")), optional=False),
            text_input("details", label("details"), optional=True, multiline=True),
            text_input("tags", label("tags"), optional=True),
            anonymous,
        ],
    }


def submission(view: Mapping) -> AskForm:
    """The fields of a submitted /ask modal (``view_submission``)."""
    values = (view.get("state") or {}).get("values") or {}

    def field(name: str) -> dict:
        return (values.get(name) or {}).get(VALUE) or {}

    try:
        opened_from = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        opened_from = {}
    return AskForm(
        channel_id=opened_from.get("channel") or "",
        response_url=opened_from.get("response_url"),
        title=field("question").get("value") or "",
        details=field("details").get("value") or "",
        tags=field("tags").get("value") or "",
        anonymous=bool(field("anonymous").get("selected_options")),
    )


def _text(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}

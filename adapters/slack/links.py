"""Where a message lives on Slack, for the web pages: the permalink a member clicks."""

from __future__ import annotations

from adapters.slack.translate import split_message_id


def permalink(workspace_url: str | None, message_id: str) -> str | None:
    """``https://<workspace>.slack.com/archives/<channel>/p<ts without its dot>``: the address
    ``chat.getPermalink`` gives, built without a call (``workspace_url`` is auth.test's ``url``)."""
    channel_id, ts = split_message_id(message_id)
    if not workspace_url or not channel_id or not ts.replace(".", "").isdigit():
        return None
    return f"{workspace_url.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"

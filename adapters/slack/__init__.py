"""The Slack adapter: bolt wiring (app), payload → command (translate), reply → Block Kit (render), outbound (chat)."""

from adapters.slack.app import SlackAdapter

__all__ = ["SlackAdapter"]

"""The Slack adapter: bolt wiring (app), payload → command (translate), reply → Block Kit (render), outbound (chat)."""

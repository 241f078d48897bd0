"""The console: a local chat with the bot on the same core, the embedded default (no token)."""

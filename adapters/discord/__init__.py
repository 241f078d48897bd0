"""The Discord adapter: discord.py's gateway and command tree in, the core's replies out.

``client`` runs the bot (:class:`adapters.discord.client.DiscordAdapter`), ``translate``
turns Discord's events into core commands, ``render`` turns core messages into
Discord payloads, ``chat`` is the core's outbound port over Discord's REST API,
``tree`` declares the slash commands from ``bot.specs`` and ``sync`` registers them.
"""

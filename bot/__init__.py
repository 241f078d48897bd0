"""Entraide's platform-neutral core: domain values, use cases, replies and ports.

Nothing here imports a chat SDK, SQL or a scheduler: adapters and storage plug in
through the ports in :mod:`bot.ports`, wired together in :mod:`bot.runtime`.
"""

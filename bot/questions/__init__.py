"""Peer help, one module per job: asking (and drafts), the card, answers and acceptance,
closing and reopening.

Lifecycle: draft (similar questions shown) → open → answered → resolved, or closed;
reopening goes back to open or answered.
"""

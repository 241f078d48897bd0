"""Errors: the one type members ever see (:class:`UserError`, a message key translated on the
way out), and the one operators see at start (:class:`ConfigError`)."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action; the member gets ``key`` translated, privately."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class ConfigError(Exception):
    """The configuration is invalid or incomplete; the message names each faulty setting."""

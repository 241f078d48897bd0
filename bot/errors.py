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


def describe(error: BaseException) -> str:
    """One line for a log: the kind of error and what it says, never a traceback."""
    text = str(error).splitlines()[0][:200] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__

"""The one error type members ever see: it carries a message key, translated on the way out."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action; the member gets ``key`` translated, privately."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

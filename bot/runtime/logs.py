"""Logging for `entraide run`: text or JSON lines, and secrets masked wherever they would appear."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

_CONTEXT = ("community", "platform", "command")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the context given in ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {key: getattr(record, key) for key in _CONTEXT if hasattr(record, key)}
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class SecretMask(logging.Filter):
    """Replaces every configured secret by *** in messages, arguments included, whoever logs them."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def configure(level: str, style: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if style == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(SecretMask(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())

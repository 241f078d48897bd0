"""The core's ports: how it reaches platforms (``chat``) and keeps what happened (``store``
and one protocol per aggregate). Adapters and ``storage`` implement them."""

from bot.ports.chat import (
    Adapter,
    Chat,
    ChatError,
    ChatUnavailable,
    FetchedMessage,
    Handler,
)
from bot.ports.privacy import Erasure
from bot.ports.store import Store, Transaction

__all__ = [
    "Adapter",
    "Chat",
    "ChatError",
    "ChatUnavailable",
    "Erasure",
    "FetchedMessage",
    "Handler",
    "Store",
    "Transaction",
]

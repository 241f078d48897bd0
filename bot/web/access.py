"""Signed single-use links and session cookies, with ``hmac`` from the standard library.

A link (``/entraide dashboard``, ``/entraide library``) carries its community, the role it
grants, an expiry 15 minutes ahead and a random id; opening it records the id as used in
the database (any instance refuses it again) and sets a session cookie. The session is
stateless: a signed (community, role, expiry), so that any instance serves it. Links and
sessions are signed with keys derived for each purpose, so that one is never taken for
the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

LINK_TTL = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=12)
TOKEN_MAX = 600  # longer than any token we sign: refused before any work


class Role(StrEnum):
    ORGANISER = "organiser"
    MEMBER = "member"
    PUBLIC = "public"  # no session: a public knowledge base's reader


@dataclass(frozen=True)
class Grant:
    """What a link or a session lets its holder see."""

    community_id: str
    role: Role
    expires_at: datetime
    link_id: str | None = None  # links only: recorded as used once opened


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _key(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), f"entraide-web-{purpose}".encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, purpose: str, claims: dict) -> str:
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(_key(secret, purpose), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def _verify(secret: str, purpose: str, token: str) -> dict | None:
    if not token or len(token) > TOKEN_MAX or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    expected = hmac.new(_key(secret, purpose), body.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(mac)):
            return None
        claims = json.loads(_unb64(body))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def _grant(claims: dict | None, now: datetime) -> Grant | None:
    try:
        grant = Grant(
            community_id=str(claims["c"]),
            role=Role(claims["r"]),
            expires_at=datetime.fromtimestamp(int(claims["e"]), UTC),
            link_id=str(claims["j"]) if "j" in claims else None,
        )
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None
    return grant if grant.role is not Role.PUBLIC else None


def link_token(secret: str, community_id: str, role: Role, now: datetime) -> str:
    """A link's token: valid ``LINK_TTL``, once."""
    expires = int((now + LINK_TTL).timestamp())
    claims = {"c": community_id, "r": role.value, "e": expires, "j": secrets.token_hex(12)}
    return _sign(secret, "link", claims)


class LinkRefused(Exception):
    """A link that cannot be opened: ``reason`` is ``invalid`` or ``expired``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_link(secret: str, token: str, now: datetime) -> Grant:
    grant = _grant(_verify(secret, "link", token), now)
    if grant is None or grant.link_id is None:
        raise LinkRefused("invalid")
    if grant.expires_at <= now:
        raise LinkRefused("expired")
    return grant


def session_value(secret: str, grant: Grant, now: datetime, ttl: timedelta = SESSION_TTL) -> str:
    expires = int((now + ttl).timestamp())
    return _sign(secret, "session", {"c": grant.community_id, "r": grant.role.value, "e": expires})


def read_session(secret: str, value: str | None, community_id: str, now: datetime) -> Grant | None:
    """The session's grant, if it is valid, unexpired and for this community."""
    grant = _grant(_verify(secret, "session", value or ""), now)
    if grant is None or grant.community_id != community_id or grant.expires_at <= now:
        return None
    return grant

"""Resource links: only http(s) to a real host, normalised so that one page is one resource."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.errors import UserError

URL_MAX = 2000
_TRACKING = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|igshid|_hsenc|_hsmi"
    r"|mkt_tok|oly_anon_id|oly_enc_id|vero_id|ref_src|spm)$",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
URL_IN_TEXT = re.compile(r"<?(https?://[^\s<>|]+)", re.IGNORECASE)


def normalise_url(raw: str) -> str:
    """Validate ``raw`` and return its canonical form, or raise a translated error."""
    raw = (raw or "").strip().strip("<>")
    if not raw:
        raise UserError("error.url_missing")
    if len(raw) > URL_MAX:
        raise UserError("error.too_long", field="url", limit=URL_MAX, length=len(raw))
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise UserError("error.url_invalid", url=raw[:100]) from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise UserError("error.url_scheme", scheme=scheme or "?")
    if parts.username or parts.password:
        raise UserError("error.url_credentials")
    host = _checked_host(parts.hostname or "")
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query, doseq=True), ""))


def _checked_host(host: str) -> str:
    """A host that can be reached from anywhere: a public IP or a dotted domain name."""
    host = host.rstrip(".").lower()
    if not host:
        raise UserError("error.url_no_host")
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        if not address.is_global:
            raise UserError("error.url_no_host")
        return f"[{address}]" if address.version == 6 else str(address)
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise UserError("error.url_invalid", url=host[:100]) from None
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise UserError("error.url_no_host")
    return host


def first_url(text: str) -> str | None:
    """The first http(s) link in a message, as written (Slack wraps links in <…|label>)."""
    match = URL_IN_TEXT.search(text or "")
    return match.group(1).rstrip(".,;:!?)") if match else None

"""Resource links: only http(s) to a public host, normalised so that one page is one resource.

Hosts are compared and stored in their IDNA (ASCII) form, after the UTS 46 mapping a
browser applies (case, full-width letters); they are shown in Unicode unless they
could pass for another host.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import idna

from bot.errors import UserError
from bot.text import forbidden_char

URL_MAX = 2000
_TRACKING = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|igshid|_hsenc|_hsmi"
    r"|mkt_tok|oly_anon_id|oly_enc_id|vero_id|ref_src|spm)$",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
URL_IN_TEXT = re.compile(r"<?(https?://[^\s<>|]+)", re.IGNORECASE)
# Names that never lead to a public host: special-use and private-network suffixes
# (cloud metadata services live under .internal).
_PRIVATE_SUFFIXES = {
    "localhost",
    "local",
    "localdomain",
    "internal",
    "intranet",
    "lan",
    "home",
    "corp",
    "test",
    "invalid",
    "example",
    "arpa",
    "onion",
}
_HEX_NUMBER = re.compile(r"0x[0-9a-f]*")
# Cyrillic letters that pass for Latin ones (Chromium's list): a label made only of them
# could be read as a Latin name.
_LATIN_LOOKING_CYRILLIC = set("асԁеһіјӏорԛѕԝхуъьҽпгѵѡ")


def normalise_url(raw: str) -> str:
    """Validate ``raw`` and return its canonical form, or raise a translated error."""
    raw = (raw or "").strip().strip("<>")
    if not raw:
        raise UserError("error.url_missing")
    if len(raw) > URL_MAX:
        raise UserError("error.too_long", field="url", limit=URL_MAX, length=len(raw))
    # urlsplit drops tabs and newlines silently; the stored link must be what was shown.
    if forbidden_char(raw) is not None or any(c in raw for c in "\t\n"):
        raise UserError("error.invisible_characters", field="url")
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
    if port == 0:
        raise UserError("error.url_invalid", url=raw[:100])
    host = _checked_host(parts.hostname or "")
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query, doseq=True), ""))


def _checked_host(host: str) -> str:
    """A host that can be reached from anywhere: a public IP or a dotted domain name, in ASCII."""
    host = host.rstrip(".")
    if not host:
        raise UserError("error.url_no_host")
    if ":" in host:
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError:
            raise UserError("error.url_invalid", url=host[:100]) from None
        if not address.is_global or address.ipv4_mapped is not None:
            raise UserError("error.url_no_host")
        return f"[{address}]"
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise UserError("error.url_invalid", url=host[:100]) from None
    address = _browser_ipv4(ascii_host)
    if address is not None:
        if not address.is_global:
            raise UserError("error.url_no_host")
        return str(address)
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise UserError("error.url_no_host")
    if labels[-1] in _PRIVATE_SUFFIXES:
        raise UserError("error.url_no_host")
    return ascii_host


def _browser_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address a browser reads in a host ending in a number (``0x7f.1``, ``2130706433``).

    Browsers read such hosts as IPv4 in decimal, octal (leading 0) or hex (0x), with
    one to four parts; one they cannot read is no link at all.
    """
    parts = host.split(".")
    if not (parts[-1].isdigit() or _HEX_NUMBER.fullmatch(parts[-1])):
        return None
    numbers = [_ipv4_number(part) for part in parts]
    last = numbers[-1]
    if (
        len(numbers) > 4
        or None in numbers
        or any(n > 255 for n in numbers[:-1])
        or last >= 256 ** (5 - len(numbers))
    ):
        raise UserError("error.url_invalid", url=host[:100])
    value = last + sum(n << (8 * (3 - i)) for i, n in enumerate(numbers[:-1]))
    return ipaddress.IPv4Address(value)


def _ipv4_number(part: str) -> int | None:
    if part.startswith("0x"):
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not digits:
        return 0 if base != 10 else None
    if len(digits) > 12 or not (digits.isascii() and digits.isalnum()):
        return None  # more digits than any address has; isalnum: int() would take "1_0"
    try:
        return int(digits, base)
    except ValueError:
        return None


def display_url(url: str) -> str:
    """The link as members read it: its host in Unicode, unless that could pass for another."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if "xn--" not in host:
        return url
    try:
        shown = idna.decode(host)
    except (idna.IDNAError, UnicodeError):
        return url
    if _could_pass_for_another(shown):
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(host, shown, 1)))


def _could_pass_for_another(host: str) -> bool:
    """Latin mixed with Cyrillic or Greek in one label, or Cyrillic that all looks Latin."""
    for label in host.split("."):
        letters = [c for c in label if c.isalpha()]
        scripts = {unicodedata.name(c, "?").split(" ")[0] for c in letters}
        if len(scripts & {"LATIN", "CYRILLIC", "GREEK"}) > 1:
            return True
        if scripts == {"CYRILLIC"} and all(c in _LATIN_LOOKING_CYRILLIC for c in letters):
            return True
    return False


def first_url(text: str) -> str | None:
    """The first http(s) link in a message, as written (Slack wraps links in <…|label>)."""
    match = URL_IN_TEXT.search(text or "")
    return match.group(1).rstrip(".,;:!?)") if match else None

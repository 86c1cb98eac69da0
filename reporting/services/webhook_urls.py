"""Where a webhook may be sent: http(s) URLs of public hosts, checked when saved and again at each delivery.

A webhook is a request the server makes to a URL a customer chose, so it must
not reach the server's own network (an admin panel on 127.0.0.1, a cloud's
metadata service on 169.254.169.254). Hosts are resolved and every address must
be public; at delivery the request goes to an address checked then, never to a
second lookup that could answer differently (DNS rebinding).
WEBHOOKS_ALLOW_PRIVATE_URLS lifts the address rule (tests, `make run`).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

MAX_URL_LENGTH = 2048
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeUrl(Exception):
    """A URL a webhook may not be sent to; the message says why, for the person who gave it."""


def check_url(url: str) -> str:
    """Return the URL, stripped, if a webhook may be sent there; UnsafeUrl otherwise."""
    url = url.strip()
    parts = split(url)
    if not settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        public_addresses(parts)
    return url


def split(url: str) -> SplitResult:
    """Check the URL's form: http(s), a host, no credentials, no spaces."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"Invalid URL: at most {MAX_URL_LENGTH} characters.")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise UnsafeUrl("Invalid URL: it contains spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl("Invalid URL: it cannot be read as a URL.") from None
    if parts.scheme.lower() not in SCHEMES:
        raise UnsafeUrl("Invalid URL: it must start with https:// or http://.")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("Invalid URL: it has no host name.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("Invalid URL: it must not hold a user name or password (the signature authenticates).")
    if port == 0:
        raise UnsafeUrl("Invalid URL: port 0 cannot be reached.")
    if not _is_ip(host):
        try:
            ascii_host = host.encode("idna").decode()
        except UnicodeError:
            raise UnsafeUrl(f"Invalid URL: {host!r} is not a host name.") from None
        if not all(label and label.replace("-", "").isalnum() for label in ascii_host.rstrip(".").split(".")):
            raise UnsafeUrl(f"Invalid URL: {host!r} is not a host name.")
    return parts


def port_of(parts: SplitResult) -> int:
    return parts.port or DEFAULT_PORTS[parts.scheme.lower()]


def public_addresses(parts: SplitResult) -> list[str]:
    """Resolve the URL's host: every address it has must be public (UnsafeUrl otherwise); return them."""
    host = parts.hostname or ""
    try:
        found = socket.getaddrinfo(host, port_of(parts), type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeUrl(f"The host {host} cannot be resolved.") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    for address in addresses:
        if not is_public(address):
            raise UnsafeUrl(
                f"The host {host} resolves to {address}, a private, loopback or link-local address: "
                "webhooks are sent to public addresses only."
            )
    return addresses


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return ip.is_global and not ip.is_multicast


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True

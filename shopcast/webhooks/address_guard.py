"""Webhook URLs may only reach the public internet: no loopback, private, link-local (cloud metadata),
multicast or reserved addresses, checked when an endpoint is saved and again for every connection,
on the addresses actually connected to (so a name that re-resolves elsewhere cannot get through).
`SHOPCAST_WEBHOOK_ALLOW_PRIVATE` lifts this for operators (and tests) that deliver on their network.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeWebhookUrl(ValueError):
    """The URL is malformed, or leads somewhere webhooks must not go."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query string

    def url_for(self, address: IPAddress) -> str:
        """The URL with the host replaced by the checked address (IPv6 in brackets)."""
        literal = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{literal}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def parse_target(url: str) -> Target:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeWebhookUrl("the URL must start with http:// or https://")
    if not parts.hostname:
        raise UnsafeWebhookUrl("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeWebhookUrl("the URL must not carry credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeWebhookUrl("the URL's port is not a number from 1 to 65535") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path)


def forbidden(address: IPAddress) -> bool:
    """Whether webhooks must not connect to this address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None and forbidden(embedded):
            return True
        if address.is_site_local:
            return True
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def resolve(target: Target, allow_private: bool) -> list[IPAddress]:
    """The addresses to connect to; raises UnsafeWebhookUrl when the name does not resolve or any of
    its addresses is forbidden (a name with one private address among public ones is refused too)."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise UnsafeWebhookUrl(f"{target.host} does not resolve") from exc
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not allow_private:
        for address in addresses:
            if forbidden(address):
                raise UnsafeWebhookUrl(
                    f"{target.host} leads to {address}, a loopback, private, link-local or reserved "
                    "address; webhooks only go to public addresses"
                )
    return addresses


def check_url(url: str, allow_private: bool) -> Target:
    """Parse and vet a URL before saving it."""
    target = parse_target(url)
    resolve(target, allow_private)
    return target

"""Destination URLs: which ones are allowed, how they are sealed and masked, and where they may connect.

A destination must reach a public address, checked when it is saved and again at every connection on
the address actually connected to (a name that re-resolves to a private address is caught then),
unless `SHOPCAST_RESTREAM_ALLOW_PRIVATE` says the operator pushes inside their own network (tests do).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from shopcast.sealed import seal, unseal
from shopcast.webhooks.address_guard import IPAddress, Target, UnsafeWebhookUrl, resolve

_CONTEXT = b"shopcast.ingest.restream.url.v1|"
DEFAULT_PORTS = {"rtmp": 1935, "rtmps": 443, "srt": 9000}
# SRT URL options that hold secrets, masked like an RTMP key
_SECRET_OPTIONS = {"streamid", "passphrase"}


class UnsafeDestination(ValueError):
    """The URL is malformed, or leads somewhere a live stream must not be pushed."""


@dataclass(frozen=True)
class DestinationUrl:
    url: str
    scheme: str
    host: str
    port: int

    @property
    def container(self) -> str:
        return "mpegts" if self.scheme == "srt" else "flv"

    def with_address(self, address: IPAddress) -> str:
        """The URL to connect with: the checked address in place of the name where the protocol
        allows it (RTMPS keeps the name, which its TLS certificate check and SNI need)."""
        if self.scheme == "rtmps":
            return self.url
        parts = urlsplit(self.url)
        literal = f"[{address}]" if address.version == 6 else str(address)
        return urlunsplit(parts._replace(netloc=f"{literal}:{self.port}"))


def parse_destination(url: str) -> DestinationUrl:
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS:
        raise UnsafeDestination("a destination URL starts with rtmp://, rtmps:// or srt://")
    if not parts.hostname:
        raise UnsafeDestination("the destination URL has no host")
    if parts.username or parts.password:
        raise UnsafeDestination("put credentials in the stream key, not before the host")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as exc:
        raise UnsafeDestination("the destination URL's port is not a number from 1 to 65535") from exc
    if parts.scheme != "srt" and len([p for p in parts.path.split("/") if p]) < 2:
        raise UnsafeDestination("an RTMP destination is the server's URL, then /, then the stream key")
    return DestinationUrl(url.strip(), parts.scheme, parts.hostname, port)


def addresses_for(destination: DestinationUrl, allow_private: bool) -> list[IPAddress]:
    """Where the destination may be reached now; raises UnsafeDestination."""
    try:
        return resolve(Target(destination.scheme, destination.host, destination.port, "/"), allow_private)
    except UnsafeWebhookUrl as exc:
        raise UnsafeDestination(str(exc).replace("webhooks only go", "restreams only go")) from exc


def mask(destination: DestinationUrl) -> str:
    """The URL with its secrets hidden: an RTMP stream key, SRT's stream id and passphrase."""
    parts = urlsplit(destination.url)
    if destination.scheme == "srt":
        query = [(k, _hidden(v) if k in _SECRET_OPTIONS else v) for k, v in parse_qsl(parts.query)]
        return urlunsplit(parts._replace(query=urlencode(query, safe="*")))
    *path, key = parts.path.rstrip("/").split("/")
    return urlunsplit(parts._replace(path="/".join([*path, _hidden(key)]), query=""))


def _hidden(secret: str) -> str:
    return "****" + secret[-4:] if len(secret) > 8 else "****"


def seal_url(secret_key: str, url: str) -> str:
    return seal(secret_key, _CONTEXT, url.encode())


def unseal_url(secret_key: str, sealed: str) -> str:
    return unseal(secret_key, _CONTEXT, sealed).decode()

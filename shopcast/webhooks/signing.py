"""Standard Webhooks 1.0 signatures: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

_PREFIX = "whsec_"


def new_secret() -> str:
    """`whsec_` and the base64 of 32 random bytes."""
    return _PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(_PREFIX))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signature_header(secrets_: list[str], message_id: str, timestamp: int, body: str) -> str:
    """Space-separated signatures, one per live secret (both during a rotation's grace period)."""
    return " ".join(signature(secret, message_id, timestamp, body) for secret in secrets_)


def stream_signature(secret: str, message_id: str, timestamp: int, chunks: Iterable[bytes]) -> str:
    """The same `v1,` signature over a binary body read in chunks (a media file pushed to a partner)."""
    key = base64.b64decode(secret.removeprefix(_PREFIX))
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode(), hashlib.sha256)
    for chunk in chunks:
        mac.update(chunk)
    return "v1," + base64.b64encode(mac.digest()).decode()

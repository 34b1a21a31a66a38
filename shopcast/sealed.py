"""Secrets at rest (a channel's delivery credentials, a restream destination's stream key): sealed with
a key derived from the service secret and a context of their own (Fernet), so one kind of secret
cannot be read back as another."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

__all__ = ["Unreadable", "seal", "unseal"]


class Unreadable(ValueError):
    """A sealed value does not open with this service secret (it was changed) or this context."""


def _fernet(secret_key: str, context: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(context + secret_key.encode()).digest()))


def seal(secret_key: str, context: bytes, plain: bytes) -> str:
    """An opaque token holding `plain`; only the same secret key and context open it."""
    return _fernet(secret_key, context).encrypt(plain).decode()


def unseal(secret_key: str, context: bytes, token: str) -> bytes:
    """What `seal` sealed; raises Unreadable."""
    try:
        return _fernet(secret_key, context).decrypt(token.encode())
    except InvalidToken as exc:
        raise Unreadable("a stored secret does not open with this service's secret key") from exc

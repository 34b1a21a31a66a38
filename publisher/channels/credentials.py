"""Delivery credentials at rest: encrypted with a key derived from the service secret (Fernet)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

__all__ = ["CredentialsUnreadable", "decrypt_credentials", "encrypt_credentials"]

_CONTEXT = b"shopcast.publisher.credentials.v1|"


class CredentialsUnreadable(ValueError):
    """The stored credentials do not decrypt with this service secret (it was changed)."""


def _fernet(secret_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(_CONTEXT + secret_key.encode()).digest()))


def encrypt_credentials(secret_key: str, values: dict[str, Any]) -> str:
    """An opaque token holding `values`; only the same secret key reads it back."""
    return _fernet(secret_key).encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def decrypt_credentials(secret_key: str, token: str) -> dict[str, Any]:
    """The values `encrypt_credentials` sealed; raises CredentialsUnreadable."""
    try:
        data: dict[str, Any] = json.loads(_fernet(secret_key).decrypt(token.encode()))
    except InvalidToken as exc:
        raise CredentialsUnreadable("the channel's credentials do not decrypt with this secret key") from exc
    return data

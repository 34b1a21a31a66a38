"""Delivery credentials at rest: sealed with a key derived from the service secret (`shopcast.sealed`)."""

from __future__ import annotations

import json
from typing import Any

from shopcast.sealed import Unreadable, seal, unseal

__all__ = ["CredentialsUnreadable", "decrypt_credentials", "encrypt_credentials"]

_CONTEXT = b"shopcast.publisher.credentials.v1|"


class CredentialsUnreadable(ValueError):
    """The stored credentials do not decrypt with this service secret (it was changed)."""


def encrypt_credentials(secret_key: str, values: dict[str, Any]) -> str:
    """An opaque token holding `values`; only the same secret key reads it back."""
    return seal(secret_key, _CONTEXT, json.dumps(values, sort_keys=True).encode())


def decrypt_credentials(secret_key: str, token: str) -> dict[str, Any]:
    """The values `encrypt_credentials` sealed; raises CredentialsUnreadable."""
    try:
        data: dict[str, Any] = json.loads(unseal(secret_key, _CONTEXT, token))
    except Unreadable as exc:
        raise CredentialsUnreadable("the channel's credentials do not decrypt with this secret key") from exc
    return data

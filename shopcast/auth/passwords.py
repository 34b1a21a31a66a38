"""Passwords of people: argon2id hashes, checked a few at a time.

Each check takes about 19 MiB and tens of milliseconds of one core; the sign-in route runs a few at
a time (shopcast/auth/sessions_api.py), so a flood of sign-ins waits instead of taking the API's
memory. An unknown name is checked against a throwaway hash, so it costs as long as a wrong password.
"""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from shopcast.errors import ValidationFailed

__all__ = [
    "MAX_PASSWORD",
    "MIN_PASSWORD",
    "check_password_rules",
    "first_password",
    "hash_password",
    "password_matches",
]

MIN_PASSWORD = 10
MAX_PASSWORD = 256
# OWASP's argon2id floor: 19 MiB, two passes, one lane
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def first_password() -> str:
    """A password to hand to a new user: 96 random bits, easy to type."""
    return secrets.token_urlsafe(12)


def check_password_rules(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValidationFailed(
            f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters", code="weak_password"
        )


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher.hash(password)


@cache
def _throwaway_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed in `stored_hash`; None (no password set) never matches
    but takes as long as a check."""
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return _hasher.verify(stored_hash or _throwaway_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False

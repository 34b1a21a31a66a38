"""Signed, expiring tokens for URLs that players and partners open without headers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def sign(secret: str, subject: str, ttl_s: int, now: float | None = None) -> str:
    """A token `<expiry>.<signature>` valid for `subject` until `ttl_s` seconds from now."""
    expires = int((now if now is not None else time.time()) + ttl_s)
    return f"{expires}.{_mac(secret, subject, expires)}"


def verify(secret: str, subject: str, token: str, now: float | None = None) -> bool:
    """Whether `token` was signed for `subject` with `secret` and has not expired."""
    expires_text, _, signature = token.partition(".")
    if not expires_text.isdigit() or not signature:
        return False
    expires = int(expires_text)
    if expires < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(signature, _mac(secret, subject, expires))


def _mac(secret: str, subject: str, expires: int) -> str:
    digest = hmac.new(secret.encode(), f"{subject}|{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:20]).decode().rstrip("=")

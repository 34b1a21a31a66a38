"""Per-caller token buckets; over-eager clients get 429 with Retry-After.

A caller is the user an API token belongs to, however its Authorization header is spelled
(`bearer X`, `BEARER  X`), or, without an Authorization header, the user of the page's session
cookie (so one studio's people behind one address each have their own); a request with neither
valid (none, a made-up token, a stream key, a capability `?token=`) is its client address, so
inventing tokens or cookies never buys a fresh bucket.
Buckets live in each API process: with N processes a caller gets up to N times the rate.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable

import anyio
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from shopcast.auth.models import User, WebSession
from shopcast.auth.service import hash_token
from shopcast.auth.web_sessions import SESSION_COOKIE
from shopcast.db import utcnow
from shopcast.errors import error_body

__all__ = ["RateLimitMiddleware", "TokenOwners", "bearer_of", "session_cookie_of"]

_EXEMPT = ("/healthz", "/readyz", "/metrics", "/openapi.json")
# Routes that bound their own callers: the embed player's beacons come without an account from many
# viewers, often many behind one address; commerce.stats bounds each viewer session and each address.
_SELF_LIMITED = ("/v1/beacons",)
_MAX_BUCKETS = 10_000
_OWNER_TTL_S = 60.0


def bearer_of(header: bytes) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, any case and spacing; else None."""
    parts = header.decode("latin-1").split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1]
    return None


def session_cookie_of(header: bytes) -> str | None:
    """The session cookie's value in a `Cookie:` header, read as authentication reads it; else None."""
    return cookie_parser(header.decode("latin-1")).get(SESSION_COOKIE) or None


class TokenOwners:
    """Which user holds an API token or a session cookie's secret (None: nobody), remembered for a
    minute so that a busy caller costs one lookup a minute, not one a request."""

    def __init__(self, lookup: Callable[[str], str | None], ttl_s: float = _OWNER_TTL_S):
        self.lookup = lookup
        self.ttl_s = ttl_s
        self.known: dict[str, tuple[str | None, float]] = {}

    @classmethod
    def in_database(cls, sessions: sessionmaker[Session]) -> TokenOwners:
        """API tokens and session secrets are both 256 random bits, stored as their sha256."""

        def lookup(secret_hash: str) -> str | None:
            with sessions() as session:
                by_token = session.scalar(select(User.id).where(User.token_hash == secret_hash))
                by_session = select(WebSession.user_id).where(
                    WebSession.secret_hash == secret_hash,
                    WebSession.revoked_at.is_(None),
                    WebSession.expires_at > utcnow(),
                )
                return by_token or session.scalar(by_session)

        return cls(lookup)

    async def owner(self, token: str) -> str | None:
        token_hash = hash_token(token)
        now = time.monotonic()
        found = self.known.get(token_hash)
        if found is not None and found[1] > now:
            return found[0]
        if len(self.known) > _MAX_BUCKETS:
            self.known = {k: v for k, v in self.known.items() if v[1] > now}
            if len(self.known) > _MAX_BUCKETS:  # a flood of made-up secrets: forget them all
                self.known = {}
        owner = await anyio.to_thread.run_sync(self.lookup, token_hash)
        self.known[token_hash] = (owner, now + self.ttl_s)
        return owner


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, per_minute: int, burst: int, owners: TokenOwners):
        self.app = app
        self.owners = owners
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.buckets: dict[str, tuple[float, float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _EXEMPT or scope["path"] in _SELF_LIMITED:
            await self.app(scope, receive, send)
            return
        wait = self._take(await self._caller(scope))
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        body = json.dumps(error_body("rate_limited", "too many requests; slow down")).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"retry-after", str(math.ceil(wait)).encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _caller(self, scope: Scope) -> str:
        # as authentication (Starlette's request.headers and .cookies) reads them: the first copy
        raw: list[tuple[bytes, bytes]] = scope.get("headers", [])
        first = {name: value for name, value in reversed(raw)}
        if b"authorization" in first:
            secret = bearer_of(first[b"authorization"])
        else:
            secret = session_cookie_of(first.get(b"cookie", b""))
        owner = await self.owners.owner(secret) if secret else None
        if owner is not None:
            return f"user:{owner}"
        client = scope.get("client")
        return f"ip:{client[0] if client else 'unknown'}"

    def _take(self, caller: str) -> float:
        """Seconds to wait before the next request may pass; 0 when it passes now."""
        now = time.monotonic()
        if len(self.buckets) > _MAX_BUCKETS:
            self._prune(now)
        tokens, last = self.buckets.get(caller, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self.buckets[caller] = (tokens - 1, now)
            return 0.0
        self.buckets[caller] = (tokens, now)
        return (1 - tokens) / self.rate if self.rate > 0 else 60.0

    def _prune(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: dropping it bounds memory when
        # many distinct (perhaps made-up) tokens arrive.
        full_after = self.burst / self.rate if self.rate > 0 else 0.0
        self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < full_after}

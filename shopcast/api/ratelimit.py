"""Per-caller token buckets; over-eager clients get 429 with Retry-After.

Buckets live in each API process: with N processes a caller gets up to N times the rate.
"""

from __future__ import annotations

import hashlib
import json
import math
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from shopcast.errors import error_body

_EXEMPT = ("/healthz", "/metrics", "/openapi.json")
_MAX_BUCKETS = 10_000


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, per_minute: int, burst: int):
        self.app = app
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.buckets: dict[str, tuple[float, float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _EXEMPT:
            await self.app(scope, receive, send)
            return
        wait = self._take(self._caller(scope))
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

    def _caller(self, scope: Scope) -> str:
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                return hashlib.sha256(value).hexdigest()
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

"""Every request body has a ceiling, checked before any handler (or authentication) reads it.

FastAPI reads a JSON body before it resolves the dependencies that authenticate, so without a ceiling
a caller with a made-up token could make the API hold hundreds of megabytes. A declared
Content-Length over the route's cap is refused with 413 before a byte is read; a chunked body is
counted as it streams and cut with 413 at the cap. Streaming routes (tus, WHIP offers, subtitle
files) keep their own larger caps; everything else gets the JSON cap.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopcast.errors import PayloadTooLarge, error_body
from shopcast.media.subtitle_formats import MAX_FILE_BYTES
from shopcast.settings import Settings

__all__ = ["BodyLimitMiddleware", "BodyTooLarge", "RouteCap", "route_caps"]


@dataclass(frozen=True)
class RouteCap:
    """Bodies of `method` requests whose path matches `path` may carry up to `max_bytes`."""

    method: str
    path: re.Pattern[str]
    max_bytes: int


MAX_BEACONS_BYTES = 16_384


def route_caps(settings: Settings) -> list[RouteCap]:
    """The routes that stream more than a JSON document: tus appends (a PATCH, or a POST with
    creation-with-upload) go straight to the store; offers and subtitle files have their own limits."""
    uploads = re.compile(r"^/v1/uploads(/[^/]+)?/?$")
    return [
        RouteCap("PATCH", uploads, settings.max_upload_bytes),
        RouteCap("POST", uploads, settings.max_upload_bytes),
        RouteCap("POST", re.compile(r"^/v1/live/whip/?$"), settings.live_max_offer_bytes),
        RouteCap("PUT", re.compile(r"^/v1/assets/[^/]+/subtitles/[^/]+/?$"), MAX_FILE_BYTES),
        # the embed player's beacons come from anyone: a batch of 20 is about 8 KiB
        RouteCap("POST", re.compile(r"^/v1/beacons/?$"), MAX_BEACONS_BYTES),
    ]


class BodyTooLarge(PayloadTooLarge, StarletteHTTPException):  # type: ignore[misc]  # headers: a dict either way
    """Raised from `receive` once a streamed body passes its cap. It is an HTTPException as well,
    because FastAPI turns any other exception raised while it parses a body into a 400; the
    ShopcastError handler comes first in its method resolution order and answers the JSON 413."""

    def __init__(self, max_bytes: int):
        message = f"request bodies here are limited to {max_bytes} bytes"
        # Closing the connection drops the unread rest of the body instead of draining it.
        PayloadTooLarge.__init__(self, message, code="too_large", headers={"Connection": "close"})
        self.status_code = 413
        self.detail = message


class BodyLimitMiddleware:
    """Pure ASGI, so the body is never buffered here: messages pass through as they arrive."""

    def __init__(self, app: ASGIApp, default_max_bytes: int, caps: list[RouteCap]):
        self.app = app
        self.default_max_bytes = default_max_bytes
        self.caps = caps

    def cap_for(self, method: str, path: str) -> int:
        for cap in self.caps:
            if cap.method == method and cap.path.match(path):
                return cap.max_bytes
        return self.default_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.cap_for(scope["method"], scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        await self._pass_counted(scope, receive, send, limit)

    async def _pass_counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            # Inner handlers normally answer it; this catches one raised where none could.
            if started:
                raise
            await _refuse(send, limit)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(error_body("too_large", f"request bodies here are limited to {limit} bytes")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the unread rest of the body would otherwise be the next request
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})

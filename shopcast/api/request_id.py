"""X-Request-ID: taken from the client when it sends a sane one, made up otherwise, echoed on the
response, and bound to the request's context so that log lines and the jobs it enqueues carry it."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopcast.telemetry.context import REQUEST_ID_HEADER, bound, clean_request_id

__all__ = ["RequestIdMiddleware"]


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == REQUEST_ID_HEADER.lower().encode()),
            None,
        )
        request_id = clean_request_id(sent)

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with bound(request_id=request_id):
            await self.app(scope, receive, with_header)

"""Refuse NUL characters at the HTTP edge.

PostgreSQL's `text` and `jsonb` cannot hold U+0000, so a title or a query parameter carrying one
would fail at the database as a 500 (SQLite would store it, and the two backends would disagree).
Request bodies refuse it through `RequestModel`; paths and query strings through `NulRefusalMiddleware`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, model_validator
from starlette.types import ASGIApp, Receive, Scope, Send

from shopcast.errors import error_body

__all__ = ["NUL_MESSAGE", "NulRefusalMiddleware", "RequestModel", "contains_nul"]

NUL_MESSAGE = "text may not contain NUL (U+0000) characters"


def contains_nul(value: Any) -> bool:
    """Whether a decoded JSON value holds U+0000 in any string, key or value, at any depth."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    return False


class RequestModel(BaseModel):
    """Base of every request body: refuses NUL anywhere in the input, with a 422."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        if contains_nul(data):
            raise ValueError(NUL_MESSAGE)
        return data


class NulRefusalMiddleware:
    """Answers 422 to a request whose path or query string decodes to a NUL character."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _url_has_nul(scope):
            await self.app(scope, receive, send)
            return
        body = json.dumps(error_body("invalid", f"URL: {NUL_MESSAGE}")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _url_has_nul(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    query: bytes = scope.get("query_string", b"")
    return "\x00" in path or b"%00" in query or b"\x00" in query

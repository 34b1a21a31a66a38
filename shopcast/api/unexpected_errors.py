"""What the API answers when a handler fails in a way nobody planned for: always the one JSON error
shape, carrying the request id, and logged with its traceback under that id.

A full disk (the store's or the database's) is 507 and a store or database that cannot be reached
is 503, both with Retry-After, since the client did nothing wrong and may try again; anything else
is 500 `internal`.
"""

from __future__ import annotations

import errno
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopcast.errors import ShopcastError, error_body
from shopcast.telemetry import context

__all__ = ["Failure", "UnexpectedErrorMiddleware", "describe_failure", "install_fallback_handler"]

log = logging.getLogger("shopcast.api.errors")

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_UNAVAILABLE_ERRNOS = frozenset({errno.EROFS, errno.EIO, errno.ENOTCONN, errno.ESTALE, errno.EHOSTDOWN})
# SQLite's "database or disk is full", and the "disk I/O error" it reports instead when a full disk
# keeps it from sizing the WAL's shared-memory file, which every new connection needs
_SQLITE_FULL_CODES = frozenset({13, 4874})  # SQLITE_FULL, SQLITE_IOERR_SHMSIZE
_PG_DISK_FULL = "53100"  # SQLSTATE disk_full
_RETRY_AFTER_S = 30


@dataclass(frozen=True)
class Failure:
    """The answer to one unexpected exception."""

    status: int
    code: str
    message: str
    retry_after_s: int | None = None

    def body(self) -> bytes:
        payload = error_body(self.code, self.message)
        payload["error"]["request_id"] = context.current().get("request_id", "")
        return json.dumps(payload).encode()

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [(b"content-type", b"application/json")]
        if self.retry_after_s is not None:
            headers.append((b"retry-after", str(self.retry_after_s).encode()))
        return headers


_INTERNAL = Failure(500, "internal", "an internal error occurred; report the request id if it persists")
_DISK_FULL = Failure(507, "insufficient_storage", "the server's storage is full", _RETRY_AFTER_S)
_STORAGE_DOWN = Failure(503, "storage_unavailable", "storage is unavailable right now", _RETRY_AFTER_S)
_DATABASE_DOWN = Failure(503, "database_unavailable", "the database is unavailable right now", _RETRY_AFTER_S)


def describe_failure(exc: BaseException) -> Failure:
    """The answer to `exc`, judged by it and every exception it was raised from."""
    for cause in _chain(exc):
        found = _known(cause)
        if found is not None:
            return found
    return _INTERNAL


def _known(exc: BaseException) -> Failure | None:
    if isinstance(exc, ShopcastError):  # one that escaped its handler, e.g. wrapped in a group
        return Failure(exc.status, exc.code, exc.message)
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return _DISK_FULL
    if isinstance(exc, DBAPIError) and _database_full(exc.orig):
        return _DISK_FULL
    if isinstance(exc, OSError) and exc.errno in _UNAVAILABLE_ERRNOS:
        return _STORAGE_DOWN
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return _STORAGE_DOWN
    if (
        isinstance(exc, ClientError)
        and exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
    ):
        return _STORAGE_DOWN
    if isinstance(exc, OperationalError | PoolTimeout):
        return _DATABASE_DOWN
    return None


def _database_full(orig: BaseException | None) -> bool:
    return (
        getattr(orig, "sqlite_errorcode", None) in _SQLITE_FULL_CODES
        or getattr(orig, "sqlstate", None) == _PG_DISK_FULL
    )


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, BaseExceptionGroup):
            for inner in current.exceptions:
                yield from _chain(inner)
        yield current
        current = current.__cause__ or current.__context__


class UnexpectedErrorMiddleware:
    """Innermost of the middleware, inside the request id's: what escapes every exception handler
    is answered here, so metrics, CORS and X-Request-ID see an ordinary error answer."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as exc:
            failure = describe_failure(exc)
            log.exception(
                "%s %s failed: %s (%d)", scope["method"], scope["path"], failure.code, failure.status
            )
            if started:
                raise  # the answer is under way; the server can only cut the connection
            await send(
                {"type": "http.response.start", "status": failure.status, "headers": failure.headers()}
            )
            await send({"type": "http.response.body", "body": failure.body()})


async def _answer(send: Send, failure: Failure) -> None:
    await send({"type": "http.response.start", "status": failure.status, "headers": failure.headers()})
    await send({"type": "http.response.body", "body": failure.body()})


def _fallback(_request: Request, exc: Exception) -> JSONResponse:
    failure = describe_failure(exc)
    headers = {k.decode(): v.decode() for k, v in failure.headers() if k != b"content-type"}
    return JSONResponse(json.loads(failure.body()), status_code=failure.status, headers=headers)


def install_fallback_handler(app: FastAPI) -> None:
    """Starlette's outermost ServerErrorMiddleware answers what a middleware itself raised; it
    answers in JSON as well (it logs the traceback itself and re-raises for the server)."""
    app.add_exception_handler(Exception, _fallback)

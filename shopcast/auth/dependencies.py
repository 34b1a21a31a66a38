"""FastAPI dependencies: the database session of a request and the authenticated caller.

Programs authenticate with `Authorization: Bearer <API token>`; the pages with the session cookie
that signing in sets (shopcast/auth/web_sessions.py). A request with an Authorization header is
judged by it alone. A cookie-authenticated request that changes something must carry the
session's `X-CSRF-Token`, which another site's page cannot read: without it, 403 `csrf_failed`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from shopcast.auth.service import Principal, authenticate
from shopcast.auth.web_sessions import (
    CSRF_HEADER,
    SESSION_COOKIE,
    csrf_matches,
    principal_of_session,
    touch_session,
)
from shopcast.db import read_snapshot, transaction
from shopcast.errors import Forbidden, Unauthorized

_READS = frozenset({"GET", "HEAD"})
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def db_session(request: Request) -> Iterator[Session]:
    """One session per request, committed when the handler succeeds and before the response is
    sent: a client that has its answer must find the change made (FastAPI's default "request"
    scope would commit only after the response has gone out). Reads see one snapshot."""
    with transaction(request.app.state.sessions) as session:
        if request.method in _READS:
            read_snapshot(session)
        yield session


DbSession = Annotated[Session, Depends(db_session, scope="function")]


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send Authorization: Bearer <token>", headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


def authenticate_request(session: Session, request: Request) -> Principal:
    """The caller, by API token or by session cookie; raises Unauthorized (or Forbidden for a
    cookie-authenticated change without its CSRF token)."""
    if "authorization" in request.headers:
        principal = authenticate(session, bearer_token(request))
    else:
        principal = _session_caller(session, request)
    request.state.principal = principal
    return principal


def _session_caller(session: Session, request: Request) -> Principal:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise Unauthorized(
            "send Authorization: Bearer <token>, or sign in", headers={"WWW-Authenticate": "Bearer"}
        )
    settings = request.app.state.runtime.settings
    principal, row = principal_of_session(session, secret, settings)
    if request.method not in _SAFE and not csrf_matches(settings, secret, request.headers.get(CSRF_HEADER)):
        raise Forbidden(f"a signed-in page must send {CSRF_HEADER} with this request", code="csrf_failed")
    request.state.web_session_id = row.id
    touch_session(request.app.state.sessions, row)
    return principal


def current_user(request: Request, session: DbSession) -> Principal:
    return authenticate_request(session, request)


CurrentUser = Annotated[Principal, Depends(current_user)]


def caller_in_own_transaction(request: Request) -> Principal:
    """The caller, read in a transaction of its own. CurrentUser keeps the request's session (and
    on PostgreSQL a pooled connection) open until the route returns, which for a route that then
    waits (a PATCH streaming a large body or waiting for a held upload, a password check waiting
    its turn) is far too long: many of them would take every connection, and with them the
    threads of everyone else's requests."""
    with transaction(request.app.state.sessions) as session:
        return authenticate_request(session, request)


CallerOwnTransaction = Annotated[Principal, Depends(caller_in_own_transaction)]

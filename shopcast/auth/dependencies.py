"""FastAPI dependencies: the database session of a request and the authenticated caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from shopcast.auth.service import Principal, authenticate
from shopcast.db import read_snapshot, transaction
from shopcast.errors import Unauthorized

_READS = frozenset({"GET", "HEAD"})


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


def current_user(request: Request, session: DbSession) -> Principal:
    principal = authenticate(session, bearer_token(request))
    request.state.principal = principal
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]

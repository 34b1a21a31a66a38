"""FastAPI dependencies: the database session of a request and the authenticated caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from shopcast.auth.service import Principal, authenticate
from shopcast.db import transaction
from shopcast.errors import Unauthorized


def db_session(request: Request) -> Iterator[Session]:
    """One session per request, committed by the request boundary when the handler succeeds."""
    with transaction(request.app.state.sessions) as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]


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

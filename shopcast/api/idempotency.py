"""Idempotency-Key on creating POSTs: the first response is stored and replayed for repeats."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import Response
from fastapi.responses import JSONResponse
from sqlalchemy import JSON, Integer, String, Text, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow
from shopcast.errors import Conflict


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    headers: dict[str, str]
    body: str


@dataclass(frozen=True)
class RequestIdentity:
    """What makes two requests "the same": method, path and a digest of their parameters."""

    method: str
    path: str
    fingerprint: str

    @classmethod
    def of(cls, method: str, path: str, *parameters: str | None) -> RequestIdentity:
        digest = hashlib.sha256("\x1f".join(p or "" for p in parameters).encode()).hexdigest()
        return cls(method, path, digest)


def replay(session: Session, user_id: str, key: str, request: RequestIdentity) -> StoredResponse | None:
    """The stored response for this key, or None; a key reused for another request is a 409."""
    record = session.get(IdempotencyRecord, (user_id, key))
    if record is None:
        return None
    if (record.method, record.path, record.fingerprint) != (
        request.method,
        request.path,
        request.fingerprint,
    ):
        raise Conflict("this Idempotency-Key was used for a different request", code="idempotency_key_reused")
    return StoredResponse(record.status_code, dict(record.headers), record.body)


def remember(
    session: Session, user_id: str, key: str, request: RequestIdentity, response: StoredResponse
) -> None:
    record = IdempotencyRecord(
        user_id=user_id,
        key=key,
        method=request.method,
        path=request.path,
        fingerprint=request.fingerprint,
        status_code=response.status_code,
        headers=response.headers,
        body=response.body,
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError as exc:
        # A concurrent request with the same key got there first: undo this one entirely (the
        # caller's transaction rolls back), and a retry replays the winner's answer.
        raise Conflict(
            "a request with this Idempotency-Key is in progress; retry", code="idempotency_key_in_use"
        ) from exc


def idempotent_create(
    session: Session,
    user_id: str,
    key: str | None,
    request: RequestIdentity,
    create: Callable[[], tuple[int, str]],
) -> Response:
    """A creating POST answered once per Idempotency-Key: a repeat replays the stored answer, else
    `create` runs (returning status and JSON body) and, with a key, its answer is stored."""
    if key:
        stored = replay(session, user_id, key, request)
        if stored is not None:
            return JSONResponse(json.loads(stored.body), status_code=stored.status_code)
    status, body = create()
    if key:
        remember(session, user_id, key, request, StoredResponse(status, {}, body))
    return Response(body, status_code=status, media_type="application/json")


def forget_older_than(session: Session, cutoff: datetime) -> None:
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))

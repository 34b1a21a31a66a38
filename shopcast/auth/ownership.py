"""Rows owned by users, as a principal may see them: one owner rule for every domain."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from shopcast.auth.service import Principal, visible_owner_ids
from shopcast.db import Base
from shopcast.errors import NotFound

Row = TypeVar("Row", bound=Base)


def get_visible(
    session: Session,
    principal: Principal,
    model: type[Row],
    row_id: str,
    owner: InstrumentedAttribute[str],
    what: str,
) -> Row:
    """The row if `principal` may see it; NotFound otherwise (never a hint that it exists)."""
    row = session.get(model, row_id)
    owners = visible_owner_ids(session, principal)
    if row is None or (owners is not None and getattr(row, owner.key) not in owners):
        raise NotFound(f"no such {what}")
    return row


def page_visible(
    session: Session,
    principal: Principal,
    model: type[Row],
    owner: InstrumentedAttribute[str],
    limit: int,
    cursor: str | None,
) -> list[Row]:
    """Newest first by id; fetches limit + 1 rows so the caller can tell whether another page exists."""
    row_id: Any = model.id  # type: ignore[attr-defined]
    query = select(model).order_by(row_id.desc()).limit(limit + 1)
    owners = visible_owner_ids(session, principal)
    if owners is not None:
        query = query.where(owner.in_(owners))
    if cursor:
        query = query.where(row_id < cursor)
    return list(session.scalars(query))

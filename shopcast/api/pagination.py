"""Cursor pagination: `?limit=&cursor=` in, `{"items", "next_cursor"}` out. Ids sort by creation time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class PageParams(BaseModel):
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=64, pattern=r"^[0-9a-f]{1,64}$")


def page_params(
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64, pattern=r"^[0-9a-f]{1,64}$")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


def next_cursor(rows: Sequence[object], limit: int, id_of: str = "id") -> str | None:
    """The cursor for the page after `rows` (fetched with limit + 1), or None on the last page."""
    if len(rows) <= limit:
        return None
    return str(getattr(rows[limit - 1], id_of))

"""What every router declares the same way: the id pattern of path parameters, and the error
responses it lists in the OpenAPI document (every error has the body of `shopcast.errors`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Path

from shopcast.errors import ErrorBody

ID_PATTERN = r"^[0-9a-f]{32}$"
Id = Annotated[str, Path(pattern=ID_PATTERN)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that may answer these error statuses, each with the one error body."""
    return {code: {"description": "error", "model": ErrorBody} for code in codes}

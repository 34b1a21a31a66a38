"""One error hierarchy; one handler turns it into {"error": {"code", "message"}}.

Each error also inherits the built-in it resembles (as PyAV does), so callers can catch what
they already know: a NotFound is a LookupError, a ValidationFailed is a ValueError.
"""

from __future__ import annotations

from typing import ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "Conflict",
    "ErrorBody",
    "ErrorInfo",
    "Forbidden",
    "Gone",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "ShopcastError",
    "Unauthorized",
    "ValidationFailed",
    "error_body",
    "error_info",
    "install_error_handlers",
]


class ShopcastError(Exception):
    """Base of every error the API reports. `code` is stable; `message` is for people."""

    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.headers = headers or {}


class NotFound(ShopcastError, LookupError):
    status = 404
    default_code = "not_found"


class Unauthorized(ShopcastError, PermissionError):
    status = 401
    default_code = "unauthorized"


class Forbidden(ShopcastError, PermissionError):
    status = 403
    default_code = "forbidden"


class Conflict(ShopcastError):
    status = 409
    default_code = "conflict"


class Gone(ShopcastError):
    status = 410
    default_code = "gone"


class PayloadTooLarge(ShopcastError, ValueError):
    status = 413
    default_code = "too_large"


class ValidationFailed(ShopcastError, ValueError):
    status = 422
    default_code = "invalid"


class RateLimited(ShopcastError):
    status = 429
    default_code = "rate_limited"


class ErrorInfo(BaseModel):
    """What went wrong, wherever it is reported: an error answer, a failed job, asset, clip or
    publication, and the payload of a `*.failed` event. `code` is stable; `message` is for people."""

    code: str
    message: str


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: ErrorInfo


def error_info(code: str | None, message: str | None) -> ErrorInfo | None:
    """A stored error (its code and message columns) as reported; None when nothing failed."""
    return ErrorInfo(code=code, message=message or "") if code else None


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return ErrorBody(error=ErrorInfo(code=code, message=message)).model_dump()


def _shopcast_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ShopcastError)
    return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status, headers=exc.headers)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
        exc.status_code, "http_error"
    )
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return JSONResponse(error_body("invalid", "; ".join(parts) or "invalid request"), status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ShopcastError, _shopcast_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)

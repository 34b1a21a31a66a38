"""The request and job a log line belongs to, carried in context variables.

The API sets the request ID for each request; the ID travels to the worker in the Celery message's
headers, and the worker sets it, with the job's or webhook message's ID, while it runs that task: one
ID ties an upload's request to every job it started."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["FIELDS", "REQUEST_ID_HEADER", "bound", "clean_request_id", "current", "new_request_id"]

REQUEST_ID_HEADER = "X-Request-ID"
FIELDS = ("request_id", "job_id", "message_id")
_VARS: dict[str, ContextVar[str | None]] = {name: ContextVar(name, default=None) for name in FIELDS}
# What a client may send as its own ID: printable, short, safe in a log line and a header.
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


def new_request_id() -> str:
    return secrets.token_hex(16)


def clean_request_id(value: str | None) -> str:
    """The client's ID if it is a sane token, else a new one."""
    if value and _ACCEPTED.match(value):
        return value
    return new_request_id()


def current() -> dict[str, str]:
    """The fields set in this context (only those that are set)."""
    return {name: value for name, var in _VARS.items() if (value := var.get()) is not None}


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """Set fields for the block; the previous values come back after it."""
    tokens = [(_VARS[name], _VARS[name].set(value)) for name, value in fields.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)

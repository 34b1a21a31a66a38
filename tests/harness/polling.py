"""Waiting for a state the system reaches on its own (a job ending, a webhook arriving) without
guessing how long it takes: poll it, bounded by a deadline, and fail with what was last seen."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def _attempts(timeout_s: float, interval_s: float) -> Iterator[None]:
    """One step per attempt: the first at once, each next one `interval_s` after the previous,
    as long as the deadline has not passed by then. The hand-rolled loops this replaced behaved
    so, and keeping it keeps every test's deadline exactly what it was."""
    deadline = time.monotonic() + timeout_s
    while True:
        yield
        time.sleep(interval_s)
        if time.monotonic() >= deadline:
            return


def poll(
    fetch: Callable[[], T],
    until: Callable[[T], bool],
    *,
    timeout_s: float,
    interval_s: float = 0.2,
    what: str | Callable[[T], str],
    error: type[Exception] = AssertionError,
) -> T:
    """The first value of `fetch()` that satisfies `until`. On timeout raises `error` (a failed
    test, unless the harness itself could not start) with `what` and the last value seen; `what`
    may instead build the whole message from that value, for messages that pick from it."""
    value: T
    for _ in _attempts(timeout_s, interval_s):
        value = fetch()
        if until(value):
            return value
    if callable(what):
        raise error(what(value))
    raise error(f"{what}: not reached in {timeout_s} s; last seen: {value!r}")


def eventually(check: Callable[[], T], *, timeout_s: float, interval_s: float = 0.2, what: str) -> T:
    """What `check` returns once it stops failing its assertions; on timeout re-raises its last
    failure, prefixed with `what`, so the message is the one the assertion would have given."""
    failure: AssertionError | None = None
    for _ in _attempts(timeout_s, interval_s):
        try:
            return check()
        except AssertionError as failed:
            failure = failed
    raise AssertionError(f"{what}: still failing after {timeout_s} s: {failure}") from failure


def wait_until(
    condition: Callable[[], bool],
    *,
    timeout_s: float,
    interval_s: float = 0.2,
    what: str,
    error: type[Exception] = AssertionError,
) -> None:
    """Returns once `condition()` holds: `poll` for a check that has no value worth showing."""
    poll(
        condition,
        bool,
        timeout_s=timeout_s,
        interval_s=interval_s,
        what=lambda _: f"{what}: not reached in {timeout_s} s",
        error=error,
    )


def first_found(fetch: Callable[[], T | None], *, timeout_s: float, interval_s: float = 0.2, what: str) -> T:
    """The first value `fetch()` finds, for a fetch that answers None until the state is reached."""
    found = poll(
        fetch, lambda value: value is not None, timeout_s=timeout_s, interval_s=interval_s, what=what
    )
    assert found is not None  # what `until` just checked; narrows the type
    return found

"""The lock a tus append holds on its upload, kept as a lease in the upload row.

A request takes the lock by compare-and-set with an owner token of its own, and every later
update (renewal, offset, release) is a compare-and-set on that token, so a request finds out
when another one has taken the upload over. While it makes progress (bytes arrive, or it is busy
writing them) a heartbeat renews the lease; a request whose client has sent nothing for
`upload_lock_stale_s` lets it go stale, so a tus client's retry of a stalled PATCH can take over.

The holder writes, commits or discards staged bytes only within a quarter of the stale time of a
renewal that found its token (it renews first when that has passed). Another request can take the
lease only a whole stale time after that renewal, so a write the holder began has three quarters
of it to land; a holder that lost the lease stops with a 409 and never touches the staged bytes
(another request's now, or already the finished source) again.

Waiting for a held lock sleeps on the event loop, one short query per attempt, not in the worker
threads that every synchronous route shares: many waiting PATCHes must not starve other requests.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Protocol, TypeVar

import anyio
from anyio.abc import TaskGroup
from sqlalchemy import or_, select, update

from ingest.uploads.models import Upload
from shopcast.db import rows_affected, transaction, utcnow
from shopcast.errors import NotFound, ShopcastError
from shopcast.runtime import Runtime
from shopcast.storage import StagedUpload, StagingState

T = TypeVar("T")

_FIRST_PAUSE_S = 0.05
_LONGEST_PAUSE_S = 0.5


class UploadLocked(ShopcastError):
    status = 423
    default_code = "upload_locked"


class UploadLockLost(ShopcastError):
    status = 409
    default_code = "upload_lock_lost"


class BodyStream(Protocol):
    """Bytes arriving in chunks; `interrupted` is true once the sender went away mid-way."""

    interrupted: bool

    def __aiter__(self) -> AsyncIterator[bytes]: ...


def _lost() -> UploadLockLost:
    return UploadLockLost(
        "this request sent nothing for too long and a newer one took the upload over; nothing more "
        "was stored from it: ask for the upload's offset (HEAD) and resume from there"
    )


async def acquire(runtime: Runtime, upload_id: str) -> Lease:
    """Take the upload's lock, waiting up to `upload_lock_wait_s` for its holder; UploadLocked
    (423, which tus clients retry) when it stays held."""
    token = secrets.token_hex(8)
    deadline = time.monotonic() + runtime.settings.upload_lock_wait_s
    pause = _FIRST_PAUSE_S
    while True:
        started = time.monotonic()
        if await anyio.to_thread.run_sync(_take, runtime, upload_id, token):
            return Lease(runtime, upload_id, token, started)
        if time.monotonic() > deadline:
            raise UploadLocked("another request is writing to this upload; retry when it has finished")
        await anyio.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE_S)


def _take(runtime: Runtime, upload_id: str, token: str) -> bool:
    stale = utcnow() - timedelta(seconds=runtime.settings.upload_lock_stale_s)
    with transaction(runtime.sessions) as session:
        held = session.execute(
            select(Upload.lock_token, Upload.locked_at).where(Upload.asset_id == upload_id)
        ).first()
        if held is None:
            raise NotFound("no such upload")
        if held.lock_token is not None and held.locked_at is not None and held.locked_at >= stale:
            return False  # a read first: waiters do not queue for SQLite's write lock
        taken = session.execute(
            update(Upload)
            .where(Upload.asset_id == upload_id, or_(Upload.lock_token.is_(None), Upload.locked_at < stale))
            .values(lock_token=token, locked_at=utcnow())
        )
        return rows_affected(taken) == 1


def _renew(runtime: Runtime, upload_id: str, token: str) -> bool:
    with transaction(runtime.sessions) as session:
        renewed = session.execute(
            update(Upload)
            .where(Upload.asset_id == upload_id, Upload.lock_token == token)
            .values(locked_at=utcnow())
        )
        return rows_affected(renewed) == 1


class Lease:
    """A lock this request holds on one upload, from any thread of the request."""

    def __init__(self, runtime: Runtime, upload_id: str, token: str, taken_at: float):
        self.runtime = runtime
        self.upload_id = upload_id
        self.token = token
        self.lost = False
        self._renew_every = runtime.settings.upload_lock_stale_s / 4
        self._renewed_at = taken_at  # monotonic, read before the update: never later than the row says
        self._waiting_since: float | None = None
        self._guard = threading.Lock()

    def ensure(self) -> None:
        """Return while the lease is surely held: renew it when a quarter of the stale time has
        passed; UploadLockLost once another request has it."""
        with self._guard:
            if self.lost:
                raise _lost()
            if time.monotonic() - self._renewed_at < self._renew_every:
                return
            started = time.monotonic()
            if not _renew(self.runtime, self.upload_id, self.token):
                self.lost = True
                raise _lost()
            self._renewed_at = started

    def release(self) -> None:
        with transaction(self.runtime.sessions) as session:
            session.execute(
                update(Upload)
                .where(Upload.asset_id == self.upload_id, Upload.lock_token == self.token)
                .values(lock_token=None)
            )

    async def track(self, body: BodyStream) -> AsyncIterator[bytes]:
        """The body's chunks, noting while it waits for the client (time that renews nothing)."""
        chunks = aiter(body)
        while True:
            self._waiting_since = time.monotonic()
            try:
                chunk = await anext(chunks)
            except StopAsyncIteration:
                return
            finally:
                self._waiting_since = None
            yield chunk

    async def hold_while(self, work: Callable[[], Awaitable[T]]) -> T:
        """What `work` returns, run under a heartbeat; UploadLockLost when the lease is lost on the
        way (the heartbeat then cancels `work`)."""
        outcome: list[T] = []
        failure: list[Exception] = []

        async def run(group: TaskGroup) -> None:
            try:
                outcome.append(await work())
            except Exception as exc:  # raised below, outside the task group, so it is not wrapped
                failure.append(exc)
            finally:
                group.cancel_scope.cancel()  # the heartbeat's end

        async with anyio.create_task_group() as group:
            group.start_soon(self._beat, group.cancel_scope)
            group.start_soon(run, group)
        if failure:
            raise failure[0]
        if not outcome:
            raise _lost()
        return outcome[0]

    async def _beat(self, scope: anyio.CancelScope) -> None:
        while True:
            await anyio.sleep(self._renew_every)
            waiting = self._waiting_since
            if waiting is not None and time.monotonic() - waiting >= self._renew_every:
                continue  # the client has gone quiet: let the lease go stale for its retry
            try:
                await anyio.to_thread.run_sync(self.ensure)
            except UploadLockLost:
                scope.cancel()
                return


class FencedUpload(StagedUpload):
    """A staged append that writes, commits or discards only while its lease is held, so a
    request that lost the upload never touches bytes (or the finished file) that are another's."""

    def __init__(self, inner: StagedUpload, lease: Lease):
        self._inner = inner
        self._lease = lease

    def write(self, data: bytes) -> None:
        self._lease.ensure()
        self._inner.write(data)

    def commit(self) -> StagingState:
        self._lease.ensure()
        return self._inner.commit()

    def discard(self) -> None:
        try:
            self._lease.ensure()
        except UploadLockLost:
            return  # the staged bytes belong to the request that took over: leave them be
        self._inner.discard()

"""tus uploads: create an asset and its upload, append bytes under a lock, complete and probe.

Bytes stream from the request to the store in bounded memory; offsets and staging state live
in the database, so any API process can continue any upload.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import anyio
from sqlalchemy import or_, select, update

from ingest.assets.models import Asset, AssetState, source_key
from ingest.uploads.headers import Checksum, ChecksumMismatch
from ingest.uploads.models import Upload
from shopcast.auth.service import Principal
from shopcast.db import rows_affected, transaction, utcnow
from shopcast.errors import Conflict, Gone, NotFound, PayloadTooLarge, ShopcastError
from shopcast.events.service import emit
from shopcast.jobs.pipeline import start_probe
from shopcast.runtime import Runtime
from shopcast.storage import StagingState
from shopcast.storage.base import StagedUpload
from shopcast.storage.pipelined import PipelinedWriter

_WRITE_BATCH = 1 << 20
_LOCK_STALE_S = 30.0
_LOCK_REFRESH_S = 5.0


class UploadLocked(ShopcastError):
    status = 423
    default_code = "upload_locked"


@dataclass(frozen=True)
class UploadStatus:
    asset_id: str
    offset: int
    length: int
    expires_at: datetime | None
    complete: bool


class BodyStream(Protocol):
    """Bytes arriving in chunks; `interrupted` is true once the sender went away mid-way."""

    interrupted: bool

    def __aiter__(self) -> AsyncIterator[bytes]: ...


def create_upload(
    runtime: Runtime, principal: Principal, length: int, metadata: dict[str, str]
) -> UploadStatus:
    """Create an asset in state `uploading` with an empty upload of `length` bytes."""
    if length > runtime.settings.max_upload_bytes:
        raise PayloadTooLarge(f"uploads are limited to {runtime.settings.max_upload_bytes} bytes")
    with transaction(runtime.sessions) as session:
        asset = Asset(
            owner_id=principal.id,
            state=AssetState.uploading,
            title=metadata.get("title") or metadata.get("filename"),
            filename=metadata.get("filename"),
            size_bytes=length,
        )
        session.add(asset)
        session.flush()
        staging = runtime.store.begin_staging(source_key(asset.id))
        expires = utcnow() + timedelta(seconds=runtime.settings.upload_expiry_s)
        upload = Upload(
            asset_id=asset.id,
            length=length,
            metadata_=metadata,
            staging=staging.to_json(),
            expires_at=expires,
        )
        session.add(upload)
        emit(session, "asset.created", owner_id=principal.id, subject_id=asset.id, data={"id": asset.id})
        return UploadStatus(asset.id, 0, length, expires, False)


def _visible_upload(runtime: Runtime, principal: Principal, upload_id: str) -> Upload:
    with transaction(runtime.sessions) as session:
        row = session.execute(select(Upload, Asset).join(Asset).where(Upload.asset_id == upload_id)).first()
        if row is None or not _may_write(principal, row.Asset):
            raise NotFound("no such upload")
        upload: Upload = row.Upload
        if upload.completed_at is None and upload.expires_at < utcnow():
            raise Gone("this upload expired before it was finished; start a new one", code="upload_expired")
        session.expunge(upload)
        return upload


def _may_write(principal: Principal, asset: Asset) -> bool:
    return asset.owner_id == principal.id or principal.role.value == "admin"


def status(runtime: Runtime, principal: Principal, upload_id: str) -> UploadStatus:
    """Offset and length of an upload (tus HEAD); finishes a completion that a crash interrupted."""
    upload = _visible_upload(runtime, principal, upload_id)
    if upload.offset == upload.length and upload.completed_at is None:
        complete(runtime, upload_id)
    return _status_of(upload)


def _status_of(upload: Upload) -> UploadStatus:
    done = upload.offset == upload.length
    return UploadStatus(
        upload.asset_id, upload.offset, upload.length, None if done else upload.expires_at, done
    )


def _acquire_lock(runtime: Runtime, upload_id: str) -> str:
    token = secrets.token_hex(8)
    deadline = time.monotonic() + runtime.settings.upload_lock_wait_s
    while True:
        with transaction(runtime.sessions) as session:
            stale = utcnow() - timedelta(seconds=_LOCK_STALE_S)
            taken = session.execute(
                update(Upload)
                .where(
                    Upload.asset_id == upload_id, or_(Upload.lock_token.is_(None), Upload.locked_at < stale)
                )
                .values(lock_token=token, locked_at=utcnow())
            )
            if rows_affected(taken) == 1:
                return token
        if time.monotonic() > deadline:
            raise UploadLocked("another request is writing to this upload; retry when it has finished")
        time.sleep(0.05)


def _refresh_lock(runtime: Runtime, upload_id: str, token: str) -> None:
    with transaction(runtime.sessions) as session:
        session.execute(
            update(Upload)
            .where(Upload.asset_id == upload_id, Upload.lock_token == token)
            .values(locked_at=utcnow())
        )


def _release_lock(runtime: Runtime, upload_id: str, token: str) -> None:
    with transaction(runtime.sessions) as session:
        session.execute(
            update(Upload)
            .where(Upload.asset_id == upload_id, Upload.lock_token == token)
            .values(lock_token=None)
        )


def _locked_upload(runtime: Runtime, upload_id: str, offset: int) -> Upload:
    with transaction(runtime.sessions) as session:
        upload = session.get(Upload, upload_id)
        if upload is None:
            raise NotFound("no such upload")
        if upload.offset != offset:
            raise Conflict(
                f"Upload-Offset {offset} does not match the server's offset {upload.offset}",
                code="offset_mismatch",
            )
        session.expunge(upload)
        return upload


async def append(
    runtime: Runtime,
    principal: Principal,
    upload_id: str,
    offset: int,
    body: BodyStream,
    checksum: Checksum | None,
) -> UploadStatus:
    """Append the body at `offset` (tus PATCH). Bytes received before a disconnect are kept,
    unless a checksum was promised and so cannot be verified."""
    await anyio.to_thread.run_sync(_visible_upload, runtime, principal, upload_id)
    token = await anyio.to_thread.run_sync(_acquire_lock, runtime, upload_id)
    try:
        upload = await anyio.to_thread.run_sync(_locked_upload, runtime, upload_id, offset)
        state = StagingState.from_json(upload.staging)
        writer = await anyio.to_thread.run_sync(
            runtime.store.append, source_key(upload_id), state, offset, runtime.settings.upload_part_bytes
        )
        received = await _stream_into(runtime, writer, body, checksum, upload, token)
        new_state = await anyio.to_thread.run_sync(writer.commit)
        result = await anyio.to_thread.run_sync(
            _record_offset, runtime, upload_id, token, offset + received, new_state
        )
    finally:
        # Shielded: a cancelled request must still let go of the upload, or resumes get 423.
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_release_lock, runtime, upload_id, token)
    if result.complete:
        await anyio.to_thread.run_sync(complete, runtime, upload_id)
    return result


async def _stream_into(
    runtime: Runtime,
    writer: StagedUpload,
    body: BodyStream,
    checksum: Checksum | None,
    upload: Upload,
    token: str,
) -> int:
    hasher = checksum.new() if checksum else None
    room = upload.length - upload.offset
    received = 0
    # Chunks are gathered in a list and joined once per batch: growing one buffer chunk by chunk
    # reallocates and copies it over and over, which cost half the throughput.
    batch: list[bytes] = []
    batched = 0
    refreshed = time.monotonic()
    pipe = PipelinedWriter(writer)
    try:
        async for chunk in body:
            received += len(chunk)
            if received > room:
                raise PayloadTooLarge(
                    f"the body runs past Upload-Length ({upload.length} bytes)", code="length_exceeded"
                )
            if hasher:
                hasher.update(chunk)
            batch.append(chunk)
            batched += len(chunk)
            if batched >= _WRITE_BATCH:
                await pipe.write(b"".join(batch))
                batch, batched = [], 0
            if time.monotonic() - refreshed > _LOCK_REFRESH_S:
                await anyio.to_thread.run_sync(_refresh_lock, runtime, upload.asset_id, token)
                refreshed = time.monotonic()
        await pipe.write(b"".join(batch))
        await pipe.close()
        if hasher and checksum and (body.interrupted or hasher.digest() != checksum.expected):
            raise ChecksumMismatch("the body does not match Upload-Checksum; nothing was stored")
    except BaseException:
        with anyio.CancelScope(shield=True):
            with contextlib.suppress(Exception):
                await pipe.close()
            await anyio.to_thread.run_sync(writer.discard)
        raise
    return received


def _record_offset(
    runtime: Runtime, upload_id: str, token: str, offset: int, state: StagingState
) -> UploadStatus:
    with transaction(runtime.sessions) as session:
        session.execute(
            update(Upload)
            .where(Upload.asset_id == upload_id, Upload.lock_token == token)
            .values(offset=offset, staging=state.to_json())
        )
        upload = session.get(Upload, upload_id)
        assert upload is not None
        return _status_of(upload)


def complete(runtime: Runtime, upload_id: str) -> None:
    """Publish the staged bytes as the asset's source and queue its probe, exactly once."""
    with transaction(runtime.sessions) as session:
        won = session.execute(
            update(Upload)
            .where(
                Upload.asset_id == upload_id, Upload.completed_at.is_(None), Upload.offset == Upload.length
            )
            .values(completed_at=utcnow())
        )
        if rows_affected(won) != 1:
            return
        upload = session.get(Upload, upload_id)
        asset = session.get(Asset, upload_id)
        assert upload is not None
        assert asset is not None
        runtime.store.finish_staging(source_key(upload_id), StagingState.from_json(upload.staging))
        asset.state = AssetState.processing
        start_probe(session, upload_id, runtime.settings.job_max_attempts)


def terminate(runtime: Runtime, principal: Principal, upload_id: str) -> None:
    """tus termination: drop the upload, its staged bytes and its asset."""
    upload = _visible_upload(runtime, principal, upload_id)
    _acquire_lock(runtime, upload_id)
    with transaction(runtime.sessions) as session:
        asset = session.get(Asset, upload_id)
        if asset is not None:
            session.delete(asset)
    runtime.store.abort_staging(source_key(upload_id), StagingState.from_json(upload.staging))
    runtime.store.delete_prefix(f"assets/{upload_id}/")


def expire_uploads(runtime: Runtime) -> int:
    """Delete unfinished uploads past their expiry with their staged bytes; returns how many."""
    with transaction(runtime.sessions) as session:
        expired = list(
            session.scalars(select(Upload).where(Upload.completed_at.is_(None), Upload.expires_at < utcnow()))
        )
        session.expunge_all()
    for upload in expired:
        runtime.store.abort_staging(source_key(upload.asset_id), StagingState.from_json(upload.staging))
        with transaction(runtime.sessions) as session:
            asset = session.get(Asset, upload.asset_id)
            if asset is not None and asset.state is AssetState.uploading:
                session.delete(asset)
    return len(expired)

"""tus uploads: create an asset and its upload, append bytes under a lock, complete and probe.

Bytes stream from the request to the store in bounded memory; offsets and staging state live
in the database, so any API process can continue any upload. The lock is a lease (`lease.py`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ingest.assets.models import Asset, AssetState, source_key
from ingest.uploads.headers import Checksum, ChecksumMismatch
from ingest.uploads.lease import BodyStream, FencedUpload, Lease, UploadLockLost, acquire
from ingest.uploads.models import Upload
from shopcast.auth.models import Role
from shopcast.auth.service import Principal
from shopcast.db import rows_affected, transaction, utcnow
from shopcast.errors import Conflict, Forbidden, Gone, NotFound, PayloadTooLarge
from shopcast.events.service import emit
from shopcast.jobs.pipeline import start_probe
from shopcast.runtime import Runtime
from shopcast.storage import StagingState
from shopcast.storage.base import StagedUpload
from shopcast.storage.pipelined import PipelinedWriter

_WRITE_BATCH = 1 << 20


@dataclass(frozen=True)
class UploadStatus:
    asset_id: str
    offset: int
    length: int
    expires_at: datetime | None
    complete: bool


CreationHook = Callable[[Session, UploadStatus], None]


def create_upload(
    runtime: Runtime,
    principal: Principal,
    length: int,
    metadata: dict[str, str],
    *,
    body_follows: bool,
    within: CreationHook | None = None,
) -> UploadStatus:
    """Create an asset in state `uploading` with an empty upload of `length` bytes; `within` runs
    in the same transaction, and what it raises undoes the creation. An upload of 0 bytes without
    a body is complete at once: no PATCH will ever come to finish it, so it goes to the probe now,
    which rejects it as `corrupt` like an empty body sent with the creation."""
    if principal.role is Role.partner:
        raise Forbidden("partners receive what reaches their channels; they cannot upload footage")
    status = _create_rows(runtime, principal, length, metadata, within)
    if length == 0 and not body_follows:
        complete(runtime, status.asset_id)
        return UploadStatus(status.asset_id, 0, 0, None, True)
    return status


def _create_rows(
    runtime: Runtime,
    principal: Principal,
    length: int,
    metadata: dict[str, str],
    within: CreationHook | None,
) -> UploadStatus:
    if length > runtime.settings.max_upload_bytes:
        raise PayloadTooLarge(f"uploads are limited to {runtime.settings.max_upload_bytes} bytes")
    staged: list[tuple[str, StagingState]] = []
    try:
        with transaction(runtime.sessions) as session:
            status = _add_rows(session, runtime, principal, length, metadata, staged)
            if within is not None:
                within(session, status)
            return status
    except BaseException:
        for key, staging in staged:  # the rows are rolled back: so goes what was staged for them
            with contextlib.suppress(Exception):
                runtime.store.abort_staging(key, staging)
        raise


def _add_rows(
    session: Session,
    runtime: Runtime,
    principal: Principal,
    length: int,
    metadata: dict[str, str],
    staged: list[tuple[str, StagingState]],
) -> UploadStatus:
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
    staged.append((source_key(asset.id), staging))
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
    return asset.owner_id == principal.id or principal.role is Role.admin


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
    lease = await acquire(runtime, upload_id)
    try:
        result = await lease.hold_while(lambda: _append_held(lease, offset, body, checksum))
    finally:
        # Shielded: a cancelled request must still let go of the upload, or resumes get 423.
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(lease.release)
    if result.complete:
        await anyio.to_thread.run_sync(complete, runtime, upload_id)
    return result


async def _append_held(
    lease: Lease, offset: int, body: BodyStream, checksum: Checksum | None
) -> UploadStatus:
    runtime, upload_id = lease.runtime, lease.upload_id
    upload = await anyio.to_thread.run_sync(_locked_upload, runtime, upload_id, offset)
    if upload.completed_at is not None:
        # Its staged bytes are the finished source now: nothing may open them for writing.
        return await _nothing_more(upload, body)
    state = StagingState.from_json(upload.staging)
    staged = await anyio.to_thread.run_sync(
        runtime.store.append, source_key(upload_id), state, offset, runtime.settings.upload_part_bytes
    )
    writer = FencedUpload(staged, lease)
    received = await _stream_into(writer, body, lease, checksum, upload)
    new_state = await anyio.to_thread.run_sync(writer.commit)
    return await anyio.to_thread.run_sync(_record_offset, lease, offset + received, new_state)


async def _nothing_more(upload: Upload, body: BodyStream) -> UploadStatus:
    async for _chunk in body:
        raise PayloadTooLarge(f"the upload is complete ({upload.length} bytes)", code="length_exceeded")
    return _status_of(upload)


async def _stream_into(
    writer: StagedUpload,
    body: BodyStream,
    lease: Lease,
    checksum: Checksum | None,
    upload: Upload,
) -> int:
    hasher = checksum.new() if checksum else None
    room = upload.length - upload.offset
    received = 0
    # Chunks are gathered in a list and joined once per batch: growing one buffer chunk by chunk
    # reallocates and copies it over and over, which cost half the throughput.
    batch: list[bytes] = []
    batched = 0
    pipe = PipelinedWriter(writer)
    try:
        async for chunk in lease.track(body):
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


def _record_offset(lease: Lease, offset: int, state: StagingState) -> UploadStatus:
    """Store the new offset, if this request still holds the upload: the compare-and-set on its
    token is what keeps a request that lost the lease from recording anything."""
    with transaction(lease.runtime.sessions) as session:
        recorded = session.execute(
            update(Upload)
            .where(Upload.asset_id == lease.upload_id, Upload.lock_token == lease.token)
            .values(offset=offset, staging=state.to_json())
        )
        if rows_affected(recorded) != 1:
            lease.lost = True
            raise UploadLockLost(
                "a newer request took this upload over before this one finished; nothing was recorded "
                "from it: ask for the upload's offset (HEAD) and resume from there"
            )
        upload = session.get(Upload, lease.upload_id)
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


async def terminate(runtime: Runtime, principal: Principal, upload_id: str) -> None:
    """tus termination: drop the upload, its staged bytes and its asset."""
    upload = await anyio.to_thread.run_sync(_visible_upload, runtime, principal, upload_id)
    lease = await acquire(runtime, upload_id)
    try:
        await anyio.to_thread.run_sync(_drop, runtime, upload)
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(lease.release)
        raise


def _drop(runtime: Runtime, upload: Upload) -> None:
    upload_id = upload.asset_id
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

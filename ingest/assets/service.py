"""Reading, listing and deleting assets, as their owners, PDs and admins may; and probe outcomes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.assets.models import Asset, AssetState, source_key
from ingest.assets.schemas import (
    AssetOut,
    JobOut,
    PlaybackOut,
    RenditionOut,
    SourceOut,
    SubtitleOut,
    ThumbnailsOut,
    UploadProgressOut,
)
from ingest.probe.rejections import REJECTION_CODES
from ingest.uploads.models import Upload
from shopcast.auth import ownership
from shopcast.auth.service import Principal
from shopcast.errors import Conflict, ErrorInfo, error_info
from shopcast.events.service import emit
from shopcast.jobs.models import Job
from shopcast.jobs.pipeline import start_after_probe
from shopcast.media.loudness import Loudness
from shopcast.media.rendition import Rendition
from shopcast.media.source_info import SourceInfo
from shopcast.product_entry import ProductEntry
from shopcast.storage import ObjectStore, StagingState


def get_visible(session: Session, principal: Principal, asset_id: str) -> Asset:
    """The asset if `principal` may see it; NotFound otherwise."""
    return ownership.get_visible(session, principal, Asset, asset_id, Asset.owner_id, "asset")


def list_visible(session: Session, principal: Principal, limit: int, cursor: str | None) -> list[Asset]:
    return ownership.page_visible(session, principal, Asset, Asset.owner_id, limit, cursor)


def delete_asset(session: Session, store: ObjectStore, principal: Principal, asset_id: str) -> None:
    """Delete the asset, its upload, jobs and every stored output."""
    asset = get_visible(session, principal, asset_id)
    upload = session.get(Upload, asset_id)
    if upload is not None and upload.completed_at is None:
        store.abort_staging(source_key(asset_id), StagingState.from_json(upload.staging))
    session.delete(asset)
    store.delete_prefix(f"assets/{asset_id}/")


def source_ready(session: Session, principal: Principal, asset_id: str) -> Asset:
    asset = get_visible(session, principal, asset_id)
    upload = session.get(Upload, asset_id)
    if upload is not None and upload.completed_at is None:
        raise Conflict("the upload has not finished yet", code="upload_incomplete")
    return asset


def mark_probed(session: Session, asset_id: str, source: SourceInfo, max_attempts: int) -> None:
    """Record the probe's findings, move the asset to `ready` and queue what follows a probe."""
    asset = session.get(Asset, asset_id)
    if asset is None:
        return
    asset.source = source.to_json()
    asset.state = AssetState.ready
    data = {"id": asset.id, "source": asset.source}
    emit(session, "asset.ready", owner_id=asset.owner_id, subject_id=asset.id, data=data)
    start_after_probe(
        session, asset_id, has_video=source.has_video, has_audio=source.has_audio, max_attempts=max_attempts
    )


def record_loudness(session: Session, asset_id: str, loudness: Loudness) -> None:
    """Store a measurement in the asset's `source.loudness`."""
    asset = session.get(Asset, asset_id)
    if asset is not None and asset.source is not None:
        # Merged into the stored JSON, not rebuilt through SourceInfo: a row written before a field
        # existed keeps exactly the keys it had.
        asset.source = {**asset.source, "loudness": loudness.to_json()}


def source_of(session: Session, asset_id: str) -> tuple[str, SourceInfo] | None:
    """(owner id, probed source facts) of a ready asset, or None when it is gone or not probed."""
    asset = session.get(Asset, asset_id)
    if asset is None or asset.source is None:
        return None
    return asset.owner_id, SourceInfo.from_json(asset.source)


def products_of(session: Session, asset_id: str) -> list[dict[str, Any]]:
    """The asset's product timeline (shopcast.product_entry dicts in time order); [] when it is gone."""
    asset = session.get(Asset, asset_id)
    return list(asset.products or []) if asset is not None else []


def replace_products(asset: Asset, entries: list[dict[str, Any]]) -> None:
    """Make `entries` (checked by the caller, in time order) the asset's product timeline."""
    asset.products = entries


def mark_refused(session: Session, asset_id: str, code: str, message: str) -> None:
    """A rejection code ends the asset `rejected`; anything else (a crash, a lost worker) `failed`."""
    asset = session.get(Asset, asset_id)
    if asset is None:
        return
    rejected = code in REJECTION_CODES
    asset.state = AssetState.rejected if rejected else AssetState.failed
    asset.error_code, asset.error_message = code, message
    emit(
        session,
        "asset.rejected" if rejected else "asset.failed",
        owner_id=asset.owner_id,
        subject_id=asset.id,
        data={"id": asset.id, "error": ErrorInfo(code=code, message=message).model_dump()},
    )


def to_out(
    session: Session,
    asset: Asset,
    renditions: list[Rendition],
    hls: str | None,
    thumbnails: ThumbnailsOut | None = None,
    subtitles: list[SubtitleOut] | None = None,
    embed: str | None = None,
) -> AssetOut:
    """The API shape of an asset; renditions, the playback URL and the thumbnail URLs come from the
    transcode domain."""
    upload = session.get(Upload, asset.id)
    jobs = session.scalars(select(Job).where(Job.asset_id == asset.id).order_by(Job.created_at, Job.id))
    return AssetOut(
        id=asset.id,
        state=asset.state.value,
        title=asset.title,
        filename=asset.filename,
        created_at=asset.created_at,
        upload=UploadProgressOut(offset=upload.offset, length=upload.length) if upload else None,
        source=SourceOut.from_info(SourceInfo.from_json(asset.source)) if asset.source else None,
        jobs=[_job_out(job) for job in jobs],
        renditions=[RenditionOut.from_rendition(r) for r in renditions],
        subtitles=subtitles or [],
        thumbnails=thumbnails or ThumbnailsOut(),
        playback=PlaybackOut(hls=hls, embed=embed),
        products=[ProductEntry.model_validate(entry) for entry in asset.products or []],
        error=error_info(asset.error_code, asset.error_message),
    )


def _job_out(job: Job) -> JobOut:
    return JobOut(
        kind=job.kind,
        state=job.state.value,
        progress=job.progress,
        speed=job.speed,
        attempts=job.attempts,
        started_at=job.started_at,
        finished_at=job.finished_at,
        error=error_info(job.error_code, job.error_message),
    )

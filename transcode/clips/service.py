"""Clips of an asset: creating them from an edit list, reading them as their owners may, and the
state changes of their `render_clip` job (rendering, published, failed) with their events.

A clip's outputs (`clip.mp4`, `master.m3u8`, one folder per rung) go under a prefix of the job that
rendered them, inside the asset's folder (deleting an asset deletes its clips' files too); the clip
points at them in the transaction that finishes the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest import get_visible_asset, products_of, source_of
from shopcast.auth import ownership
from shopcast.auth.service import Principal, visible_owner_ids
from shopcast.embed_links import embed_url
from shopcast.errors import Conflict, ErrorInfo, error_info
from shopcast.events.service import emit
from shopcast.jobs.errors import JobRejected
from shopcast.jobs.models import Job
from shopcast.jobs.service import create_job
from shopcast.media.rendition import Rendition
from shopcast.settings import Settings
from shopcast.signing import sign
from transcode.clips.edit import ClipEdit, clip_windows, inherited_products, retimed_products
from transcode.clips.models import Clip, ClipState
from transcode.clips.schemas import ClipIn, ClipOut
from transcode.clips.validation import SourceFacts, check_clip_bounds, validate_clip
from transcode.subtitles.models import SubtitleTrack
from transcode.subtitles.service import track_key, tracks_of

RENDER_KIND = "render_clip"


@dataclass(frozen=True)
class ClipRenderPlan:
    """What a render needs, read from the database before the long work starts."""

    clip_id: str
    asset_id: str
    edit: ClipEdit
    source: SourceFacts
    subtitles_key: str | None  # the WebVTT file of the language to burn in


@dataclass(frozen=True)
class RenderedClip:
    prefix: str
    renditions: list[Rendition]


def create_clip(session: Session, settings: Settings, principal: Principal, body: ClipIn) -> Clip:
    """A queued clip and its render job (sent to the `render` queue after commit).

    Raises NotFound for an asset the principal may not see, Conflict for one not probed (or
    rejected), ValidationFailed for an edit out of the settings' bounds or that does not fit the asset.
    """
    check_clip_bounds(body.ranges, settings.clip_max_ranges, settings.clip_max_total_s)
    asset = get_visible_asset(session, principal, body.asset_id)
    found = source_of(session, asset.id)
    if found is None:
        raise Conflict("the asset has no probed source yet (or it was rejected)", code="asset_not_ready")
    owner_id, source = found
    languages = [track.language for track in tracks_of(session, asset.id)]
    edit = validate_clip(body, SourceFacts.of(source), languages)
    clip = Clip(
        asset_id=asset.id,
        owner_id=owner_id,
        created_by=principal.id,
        state=ClipState.queued,
        edit=edit.to_json(),
        products=_clip_products(session, body, edit),
        duration_s=round(edit.duration_s, 6),
        width=edit.width,
        height=edit.height,
    )
    session.add(clip)
    session.flush()
    params = {"clip_id": clip.id}
    job = create_job(
        session, RENDER_KIND, asset_id=asset.id, max_attempts=settings.job_max_attempts, params=params
    )
    clip.job_id = job.id
    return clip


def _clip_products(session: Session, body: ClipIn, edit: ClipEdit) -> list[dict[str, Any]]:
    """The request's products when it names any (even none), else the asset's product timeline
    where the clip shows it."""
    if "products" in body.model_fields_set:
        return retimed_products(edit.ranges, edit.products)
    return inherited_products(edit.ranges, products_of(session, body.asset_id))


def get_visible(session: Session, principal: Principal, clip_id: str) -> Clip:
    return ownership.get_visible(session, principal, Clip, clip_id, Clip.owner_id, "clip")


def list_visible(
    session: Session, principal: Principal, limit: int, cursor: str | None, asset_id: str | None = None
) -> list[Clip]:
    """Newest first; limit + 1 rows, so the caller can tell whether another page exists."""
    query = select(Clip).order_by(Clip.id.desc()).limit(limit + 1)
    owners = visible_owner_ids(session, principal)
    if owners is not None:
        query = query.where(Clip.owner_id.in_(owners))
    if cursor:
        query = query.where(Clip.id < cursor)
    if asset_id:
        query = query.where(Clip.asset_id == asset_id)
    return list(session.scalars(query))


def start_render(session: Session, clip_id: str) -> ClipRenderPlan | None:
    """Move the clip to `rendering` and say what to render; None when the clip or its asset is gone.
    Raises JobRejected when the subtitles to burn in were deleted since the clip was made."""
    clip = session.get(Clip, clip_id)
    found = source_of(session, clip.asset_id) if clip is not None else None
    if clip is None or found is None:
        return None
    edit = ClipEdit.from_json(clip.edit)
    subtitles_key = None
    if edit.burn_subtitles is not None:
        track = session.get(SubtitleTrack, (clip.asset_id, edit.burn_subtitles))
        if track is None:
            raise JobRejected(
                "subtitles_missing", f"the asset no longer has {edit.burn_subtitles!r} subtitles"
            )
        subtitles_key = track_key(track, "vtt")
    if clip.state is ClipState.queued:
        clip.state = ClipState.rendering
    return ClipRenderPlan(clip.id, clip.asset_id, edit, SourceFacts.of(found[1]), subtitles_key)


def render_prefix(asset_id: str, clip_id: str, job_id: str) -> str:
    return f"assets/{asset_id}/clips/{clip_id}/{job_id}"


def publish_clip(session: Session, clip_id: str, rendered: RenderedClip) -> str | None:
    """Point the clip at its rendered files and emit `clip.ready` with the product timeline.
    Returns a prefix nothing points at any more (replaced outputs, or these when the clip is gone)."""
    clip = session.get(Clip, clip_id)
    if clip is None:
        return rendered.prefix
    replaced = clip.prefix if clip.prefix not in (None, rendered.prefix) else None
    clip.prefix, clip.renditions = rendered.prefix, [r.to_json() for r in rendered.renditions]
    clip.state, clip.error_code, clip.error_message = ClipState.ready, None, None
    data = {"id": clip.id, "asset_id": clip.asset_id, "duration_s": clip.duration_s, **_timeline(clip)}
    emit(session, "clip.ready", owner_id=clip.owner_id, subject_id=clip.id, data=data)
    return replaced


def fail_clip(session: Session, clip_id: str, code: str, message: str) -> None:
    """The render gave up: the clip is `failed` with the reason, and `clip.failed` says so."""
    clip = session.get(Clip, clip_id)
    if clip is None or clip.state is ClipState.ready:
        return
    clip.state, clip.error_code, clip.error_message = ClipState.failed, code, message
    data = {
        "id": clip.id,
        "asset_id": clip.asset_id,
        "error": ErrorInfo(code=code, message=message).model_dump(),
    }
    emit(session, "clip.failed", owner_id=clip.owner_id, subject_id=clip.id, data={**data, **_timeline(clip)})


def _timeline(clip: Clip) -> dict[str, list[dict[str, Any]]]:
    keys = ("sku", "name", "url", "at_s", "start_s", "end_s")
    return {"products": [{key: product.get(key) for key in keys} for product in clip.products]}


def clip_by_id(session: Session, clip_id: str) -> Clip | None:
    """A clip whoever asks (workers, other domains' jobs); None when it is gone."""
    return session.get(Clip, clip_id)


def published_prefix(session: Session, clip_id: str) -> str | None:
    clip = session.get(Clip, clip_id)
    return clip.prefix if clip is not None and clip.state is ClipState.ready else None


def playback_subject(clip_id: str) -> str:
    """What a clip's playback token signs: never valid for an asset's playback, nor the reverse."""
    return f"clip:{clip_id}"


def to_out(session: Session, settings: Settings, clip: Clip) -> ClipOut:
    """The API shape of a clip, with signed, expiring playback and download URLs once it is ready."""
    edit = ClipEdit.from_json(clip.edit)
    hls = download = None
    if clip.state is ClipState.ready and clip.prefix:
        token = sign(settings.secret_key, playback_subject(clip.id), settings.playback_ttl_s)
        base = f"{settings.public_url}/v1/clip-playback/{clip.id}"
        hls, download = f"{base}/master.m3u8?token={token}", f"{base}/clip.mp4?token={token}"
    job = session.get(Job, clip.job_id) if clip.job_id else None
    error = error_info(clip.error_code, clip.error_message)
    return ClipOut.model_validate(
        {
            "id": clip.id,
            "state": clip.state.value,
            "asset_id": clip.asset_id,
            "duration_s": clip.duration_s,
            "width": clip.width,
            "height": clip.height,
            **_edit_view(edit),
            "products": clip.products,
            "progress": 1.0 if clip.state is ClipState.ready else (job.progress if job else 0.0),
            "playback": {"hls": hls, "embed": embed_url(settings, "clip", clip.id) if hls else None},
            "download_url": download,
            "renditions": [r.to_json() for r in Rendition.all_from_json(clip.renditions)],
            "error": error,
            "created_at": clip.created_at,
            "updated_at": clip.updated_at,
        }
    )


def _edit_view(edit: ClipEdit) -> dict[str, Any]:
    overlays = [
        {
            **vars(overlay),
            "shown": [
                {"from_s": round(a, 3), "to_s": round(b, 3)}
                for a, b in clip_windows(edit.ranges, overlay.from_s, overlay.to_s)
            ],
        }
        for overlay in edit.overlays
    ]
    return {
        "aspect": edit.aspect,
        "ranges": [vars(r) for r in edit.ranges],
        "focus": [vars(f) for f in edit.focus],
        "burn_subtitles": edit.burn_subtitles,
        "title": edit.title,
        "overlays": overlays,
    }

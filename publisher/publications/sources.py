"""What a publication renders from: a ready clip's MP4 master, or a probed asset's source, with the
asset's subtitle tracks; read through the ingest and transcode domains' public service functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ingest import get_visible_asset, products_of, source_key, source_of
from publisher.publications.plans import SubtitleSource
from shopcast.auth.service import Principal
from shopcast.errors import Conflict
from transcode import ClipEdit, clip_by_id, get_visible_clip, published_prefix, track_key, tracks_of

__all__ = ["Subject", "find_subject", "subject_of"]


@dataclass(frozen=True)
class Subject:
    """The media a publication conforms: where it is, how long, and what it carries."""

    asset_id: str
    owner_id: str
    clip_id: str | None
    media_key: str
    duration_s: float
    has_audio: bool
    interlaced: bool
    focus_x: float
    ranges: list[tuple[float, float]] | None
    subtitles_burned: bool
    products: list[dict[str, Any]]
    title: str | None


def find_subject(
    session: Session, principal: Principal, clip_id: str | None, asset_id: str | None
) -> Subject:
    """The clip or asset if `principal` may see it (NotFound otherwise) and it is ready (Conflict)."""
    if clip_id is not None:
        clip = get_visible_clip(session, principal, clip_id)
        subject = subject_of(session, clip.id, None)
        if subject is None:
            raise Conflict("the clip has not finished rendering (or failed)", code="clip_not_ready")
        return subject
    assert asset_id is not None
    asset = get_visible_asset(session, principal, asset_id)
    subject = subject_of(session, None, asset.id)
    if subject is None:
        raise Conflict("the asset has no probed source yet (or it was rejected)", code="asset_not_ready")
    return subject


def subject_of(session: Session, clip_id: str | None, asset_id: str | None) -> Subject | None:
    """The clip's or asset's media as it is now; None when it is gone or not ready."""
    if clip_id is not None:
        return _clip_subject(session, clip_id)
    assert asset_id is not None
    found = source_of(session, asset_id)
    if found is None:
        return None
    owner_id, source = found
    return Subject(
        asset_id=asset_id,
        owner_id=owner_id,
        clip_id=None,
        media_key=source_key(asset_id),
        duration_s=float(source.duration_s or 0.0),
        has_audio=bool(source.audio_codec),
        interlaced=bool(source.interlaced),
        focus_x=0.5,
        ranges=None,
        subtitles_burned=False,
        products=products_of(session, asset_id),
        title=None,
    )


def _clip_subject(session: Session, clip_id: str) -> Subject | None:
    prefix = published_prefix(session, clip_id)
    clip = clip_by_id(session, clip_id) if prefix else None
    found = source_of(session, clip.asset_id) if clip is not None else None
    if clip is None or found is None or prefix is None:
        return None
    edit = ClipEdit.from_json(clip.edit)
    return Subject(
        asset_id=clip.asset_id,
        owner_id=clip.owner_id,
        clip_id=clip.id,
        media_key=f"{prefix}/clip.mp4",
        duration_s=clip.duration_s,
        has_audio=bool(found[1].audio_codec),
        interlaced=False,
        focus_x=edit.focus[0].x if edit.focus else 0.5,
        ranges=[(r.in_s, r.out_s) for r in edit.ranges],
        subtitles_burned=edit.burn_subtitles is not None,
        products=list(clip.products),
        title=edit.title,
    )


def subtitle_sources(session: Session, asset_id: str) -> tuple[str | None, list[SubtitleSource]]:
    """(the spoken language, if transcribed; each language's WebVTT, and whether it is a draft
    translation, which profiles with `refuse_drafts` do not deliver)."""
    tracks = tracks_of(session, asset_id)
    spoken = next((t.language for t in tracks if t.kind == "transcript"), None)
    sources = [
        SubtitleSource(
            t.language, track_key(t, "vtt"), draft=t.kind == "translation" and t.quality == "draft"
        )
        for t in tracks
    ]
    return spoken, sources

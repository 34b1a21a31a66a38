"""A ready asset's poster and storyboard: rendering, publishing, and the signed URLs that serve them.

Outputs go under a prefix of their own job (`assets/<id>/thumbnails/<job>/`), so a retry overwrites
only its own files; they become visible when the job's finisher points the asset's ThumbnailOutput
row at that prefix, in the transaction that marks the job succeeded (as HLS ladders are published).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ingest import source_of
from shopcast.db import utcnow
from shopcast.jobs.scratch import job_scratch
from shopcast.media.ffmpeg_runner import FfmpegFailed, run_ffmpeg
from shopcast.media.source_info import SourceInfo
from shopcast.runtime import Runtime
from shopcast.signing import sign
from transcode.hls.service import asset_gone_checker
from transcode.local_source import local_source
from transcode.thumbnails.command import build_poster_frame, build_storyboard
from transcode.thumbnails.models import ThumbnailOutput
from transcode.thumbnails.poster import LumaStats, candidate_times, luma_stats, poster_size
from transcode.thumbnails.storyboard import SPRITE_NAME, StoryboardGrid, plan_storyboard, render_vtt

__all__ = [
    "FILES",
    "Thumbnails",
    "publish_thumbnails",
    "published_thumbnails_prefix",
    "render_thumbnails",
    "thumbnails_base_url",
    "thumbnails_view",
]

POSTER_NAME = "poster.jpg"
STORYBOARD_VTT_NAME = "storyboard.vtt"
# The files of a thumbnail set, with the content type each is stored and served with.
FILES = {POSTER_NAME: "image/jpeg", SPRITE_NAME: "image/jpeg", STORYBOARD_VTT_NAME: "text/vtt"}
_POSTER_SHARE = 0.1  # of the job's progress; the storyboard's full decode is the rest


@dataclass(frozen=True)
class Poster:
    path: Path
    time_s: float
    width: int
    height: int


@dataclass(frozen=True)
class Thumbnails:
    prefix: str
    poster: dict[str, Any]
    storyboard: StoryboardGrid


def render_thumbnails(
    runtime: Runtime, asset_id: str, job_id: str, report: Callable[[float], None]
) -> Thumbnails | None:
    """Render and upload the poster, storyboard sprite and its WebVTT index; None when the asset
    disappeared meanwhile. Raises FfmpegFailed when FFmpeg cannot make them."""
    with runtime.sessions() as session:
        found = source_of(session, asset_id)
    if found is None:
        return None
    facts = found[1]
    duration = float(facts.duration_s)
    grid = plan_storyboard(duration, int(facts.width), int(facts.height))
    prefix = f"assets/{asset_id}/thumbnails/{job_id}"
    with job_scratch(runtime.settings) as folder:
        source = local_source(runtime, asset_id, folder)
        poster = _pick_poster(source, facts, folder, runtime.settings.poster_time_limit.for_media())
        report(_POSTER_SHARE)
        sprite = folder / SPRITE_NAME
        run_ffmpeg(
            build_storyboard(source, grid, sprite),
            timeout_s=runtime.settings.storyboard_time_limit.for_media(duration),
            duration_s=duration,
            on_progress=lambda p: report(_POSTER_SHARE + (1 - _POSTER_SHARE) * p.fraction),
            cancelled=asset_gone_checker(runtime, asset_id),
            background=True,
        )
        vtt = folder / STORYBOARD_VTT_NAME
        vtt.write_text(render_vtt(grid))
        for name, path in ((POSTER_NAME, poster.path), (SPRITE_NAME, sprite), (STORYBOARD_VTT_NAME, vtt)):
            runtime.store.put_file(f"{prefix}/{name}", path, FILES[name])
    summary = {"time_s": poster.time_s, "width": poster.width, "height": poster.height}
    return Thumbnails(prefix=prefix, poster=summary, storyboard=grid)


def _pick_poster(source: Path, facts: SourceInfo, folder: Path, limit_s: float) -> Poster:
    """The first candidate frame that is neither black nor flat; failing that, the most varied one.

    A candidate FFmpeg cannot extract (a timestamp past the last picture) is skipped; when none can
    be extracted, the last FfmpegFailed is raised."""
    size = poster_size(int(facts.width), int(facts.height))
    best: tuple[LumaStats, Poster] | None = None
    failure: FfmpegFailed | None = None
    for index, time_s in enumerate(candidate_times(float(facts.duration_s))):
        path = folder / f"poster_candidate_{index}.jpg"
        command = build_poster_frame(source, time_s, size, bool(facts.interlaced), path)
        try:
            run_ffmpeg(command, timeout_s=limit_s, background=True)
        except FfmpegFailed as exc:
            failure = exc
            continue
        stats, poster = luma_stats(path), Poster(path, time_s, *size)
        if stats.usable:
            return poster
        if best is None or stats.stdev > best[0].stdev:
            best = stats, poster
    if best is None:
        assert failure is not None
        raise failure
    return best[1]


def publish_thumbnails(session: Session, asset_id: str, thumbnails: Thumbnails) -> str | None:
    """Point the asset at the new thumbnail set. Returns the prefix it replaced, for deletion after
    commit; None when nothing was replaced (or the asset is gone)."""
    if source_of(session, asset_id) is None:
        return None
    current = session.get(ThumbnailOutput, asset_id)
    grid = thumbnails.storyboard.to_json()
    if current is None:
        session.add(
            ThumbnailOutput(
                asset_id=asset_id, prefix=thumbnails.prefix, poster=thumbnails.poster, storyboard=grid
            )
        )
        return None
    replaced = None if current.prefix == thumbnails.prefix else current.prefix
    current.prefix, current.poster, current.storyboard = thumbnails.prefix, thumbnails.poster, grid
    current.published_at = utcnow()
    return replaced


def thumbnails_view(session: Session, runtime: Runtime, asset_id: str) -> tuple[str | None, str | None]:
    """Signed, expiring URLs of the poster and the storyboard's WebVTT index (None, None before the
    thumbnails job has published them)."""
    if session.get(ThumbnailOutput, asset_id) is None:
        return None, None
    settings = runtime.settings
    token = sign(settings.secret_key, asset_id, settings.playback_ttl_s)
    base = thumbnails_base_url(runtime, asset_id)
    return f"{base}/{POSTER_NAME}?token={token}", f"{base}/{STORYBOARD_VTT_NAME}?token={token}"


def thumbnails_base_url(runtime: Runtime, asset_id: str) -> str:
    return f"{runtime.settings.public_url}/v1/thumbnails/{asset_id}"


def published_thumbnails_prefix(session: Session, asset_id: str) -> str | None:
    output = session.get(ThumbnailOutput, asset_id)
    return output.prefix if output else None

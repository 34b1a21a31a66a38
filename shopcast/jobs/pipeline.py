"""The pipeline: which jobs follow which, in one place.

A source arrives (a tus upload completes, a live recording is handed off as an asset) → `probe`.
An instant clip cut while live is probed in the API process and goes straight to `render_clip`.
A probe that accepts the source → `preview` (something plays in seconds; it runs on the probe
queue so it never waits behind ladders), `transcode` (the full ladder), `loudness` and
`subtitles` when there is audio, `thumbnails` when there is video. A transcode of a source longer
than `Settings.split_above_s` fans out into `transcode_chunk` jobs that any worker may take, and
stitches them (transcode/hls/split.py). Clip renders (`render_clip`) and publications
(`render_publication`, then `deliver_publication`) start from their API calls. Every job is
created inside the caller's transaction and enqueued after it commits (shopcast/jobs/service.py).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shopcast.jobs.service import create_job


def kinds_after_probe(*, has_video: bool, has_audio: bool) -> list[str]:
    """The jobs that an accepted source starts, in the order they are created."""
    kinds = ["preview", "transcode"]
    if has_audio:
        kinds += ["loudness", "subtitles"]
    if has_video:
        kinds.append("thumbnails")
    return kinds


def start_probe(session: Session, asset_id: str, max_attempts: int) -> None:
    """Queue the probe of a source that has just been stored."""
    create_job(session, "probe", asset_id=asset_id, max_attempts=max_attempts)


def start_after_probe(
    session: Session, asset_id: str, *, has_video: bool, has_audio: bool, max_attempts: int
) -> None:
    """Queue everything an accepted source needs (`kinds_after_probe`)."""
    for kind in kinds_after_probe(has_video=has_video, has_audio=has_audio):
        create_job(session, kind, asset_id=asset_id, max_attempts=max_attempts)

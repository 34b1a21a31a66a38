"""Signed clip playback and download: the clip's HLS ladder and its MP4 master behind an expiring
token over the clip's id, so players and download tools need no headers. The MP4 answers range
requests, so players can seek in it and downloads can resume."""

from __future__ import annotations

import mimetypes
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from shopcast.api.routes import Id, error_responses
from shopcast.api.stored_files import (
    CACHE_PRIVATE_HOUR,
    ranged_file,
    require_token,
    signed_playlist,
    stored_size,
    whole_file,
)
from shopcast.auth.dependencies import DbSession
from shopcast.runtime import Runtime
from transcode.clips.service import playback_subject, published_prefix

router = APIRouter(tags=["playback"])
_MEDIA_PATH = re.compile(r"^([A-Za-z0-9_]+/)?[A-Za-z0-9_-]+\.(m3u8|m4s|mp4)$")
_MASTER = "clip.mp4"
_ERRORS = error_responses(403, 404, 416, 422)
_MEDIA: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/vnd.apple.mpegurl": {}, "video/mp4": {}, "video/iso.segment": {}}},
    206: {"description": "part of the MP4 master", "content": {"video/mp4": {}}},
}


@router.get(
    "/v1/clip-playback/{clip_id}/{path:path}",
    response_class=StreamingResponse,
    responses={**_MEDIA, **_ERRORS},
)
def clip_playback(
    request: Request,
    session: DbSession,
    clip_id: Id,
    path: str,
    token: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """A playlist of the clip's ladder (its URIs signed with the same token), a segment, or the
    MP4 master `clip.mp4` (with a single `Range: bytes=` range honoured)."""
    runtime: Runtime = request.app.state.runtime
    require_token(runtime.settings, playback_subject(clip_id), token, "playback")
    prefix = published_prefix(session, clip_id) if _MEDIA_PATH.match(path) else None
    key = f"{prefix}/{path}" if prefix else None
    size = stored_size(runtime.store, key, "no such playback file")
    assert key is not None
    if path.endswith(".m3u8"):
        return signed_playlist(runtime.store.get_bytes(key).decode(), token)
    if path == _MASTER:
        return ranged_file(
            runtime.store,
            key,
            size,
            request.headers.get("range"),
            "video/mp4",
            filename=f"clip-{clip_id}.mp4",
            cache=CACHE_PRIVATE_HOUR,
        )
    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return whole_file(runtime.store, key, size, media_type)

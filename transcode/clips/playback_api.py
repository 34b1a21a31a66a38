"""Signed clip playback and download: the clip's HLS ladder and its MP4 master behind an expiring
token over the clip's id, so players and download tools need no headers. The MP4 answers range
requests, so players can seek in it and downloads can resume."""

from __future__ import annotations

import mimetypes
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from shopcast.api.ranges import byte_range
from shopcast.api.routes import Id, error_responses
from shopcast.auth.dependencies import DbSession
from shopcast.errors import Forbidden, NotFound
from shopcast.media.playlist_signing import sign_playlist
from shopcast.runtime import Runtime
from shopcast.signing import verify
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
    if not verify(runtime.settings.secret_key, playback_subject(clip_id), token):
        raise Forbidden("this playback link is invalid or has expired", code="invalid_token")
    prefix = published_prefix(session, clip_id) if _MEDIA_PATH.match(path) else None
    size = runtime.store.size(f"{prefix}/{path}") if prefix else None
    if prefix is None or size is None:
        raise NotFound("no such playback file")
    key = f"{prefix}/{path}"
    if path.endswith(".m3u8"):
        text = runtime.store.get_bytes(key).decode()
        return Response(
            sign_playlist(text, token),
            media_type="application/vnd.apple.mpegurl",
            headers={"Cache-Control": "private"},
        )
    if path == _MASTER:
        return _download(runtime, key, size, request.headers.get("range"), clip_id)
    headers = {"Content-Length": str(size), "Cache-Control": "private, max-age=3600"}
    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return StreamingResponse(
        runtime.store.iter_range(key, 0, size - 1), media_type=media_type, headers=headers
    )


def _download(runtime: Runtime, key: str, size: int, header: str | None, clip_id: str) -> Response:
    start, end, partial = byte_range(header, size)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(end - start + 1),
        "Content-Disposition": f'attachment; filename="clip-{clip_id}.mp4"',
        "Cache-Control": "private, max-age=3600",
    }
    if partial:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return StreamingResponse(
        runtime.store.iter_range(key, start, end),
        status_code=206 if partial else 200,
        media_type="video/mp4",
        headers=headers,
    )

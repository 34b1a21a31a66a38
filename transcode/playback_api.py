"""Signed HLS playback: playlists and segments behind an expiring token in the query string."""

from __future__ import annotations

import mimetypes
import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from shopcast.auth.dependencies import DbSession
from shopcast.errors import Forbidden, NotFound
from shopcast.runtime import Runtime
from shopcast.signing import verify
from transcode.hls_signing import sign_playlist
from transcode.service import published_prefix

router = APIRouter(tags=["playback"])
_MEDIA_PATH = re.compile(r"^[A-Za-z0-9_]+(/[A-Za-z0-9_-]+)*\.(m3u8|m4s|mp4|vtt|jpg)$|^[A-Za-z0-9_-]+\.m3u8$")
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": "error", "content": {"application/json": {}}} for code in (403, 404, 422)
}


@router.get(
    "/v1/playback/{asset_id}/{path:path}",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/vnd.apple.mpegurl": {}, "video/mp4": {}}}, **_ERRORS},
)
def playback(
    request: Request,
    session: DbSession,
    asset_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    path: str,
    token: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """A playlist (its URIs signed with the same token) or a segment of the asset's published ladder."""
    runtime: Runtime = request.app.state.runtime
    if not verify(runtime.settings.secret_key, asset_id, token):
        raise Forbidden("this playback link is invalid or has expired", code="invalid_token")
    if ".." in path or not _MEDIA_PATH.match(path):
        raise NotFound("no such playback file")
    prefix = published_prefix(session, asset_id)
    size = runtime.store.size(f"{prefix}/{path}") if prefix else None
    if prefix is None or size is None:
        raise NotFound("no such playback file")
    key = f"{prefix}/{path}"
    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if path.endswith(".m3u8"):
        text = runtime.store.get_bytes(key).decode()
        return Response(
            sign_playlist(text, token), media_type=media_type, headers={"Cache-Control": "private"}
        )
    headers = {"Content-Length": str(size), "Cache-Control": "private, max-age=3600"}
    return StreamingResponse(
        runtime.store.iter_range(key, 0, size - 1), media_type=media_type, headers=headers
    )

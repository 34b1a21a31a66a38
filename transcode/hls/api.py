"""Signed HLS playback: playlists and segments behind an expiring token in the query string."""

from __future__ import annotations

import mimetypes
import re
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from ingest import products_of, source_of
from shopcast.api.routes import Id, error_responses
from shopcast.api.stored_files import (
    CACHE_PRIVATE,
    require_token,
    signed_playlist,
    stored_size,
    whole_file,
)
from shopcast.auth.dependencies import DbSession
from shopcast.errors import NotFound
from shopcast.media.hls_dateranges import with_product_dateranges
from shopcast.runtime import Runtime
from transcode.hls.service import published_prefix
from transcode.subtitles.models import SubtitleTrack
from transcode.subtitles.service import (
    subtitle_playlist,
    track_key,
    tracks_of,
    with_subtitle_renditions,
    with_timestamp_map,
)

router = APIRouter(tags=["playback"])
_MEDIA_PATH = re.compile(
    r"^[A-Za-z0-9_]+(/[A-Za-z0-9_-]+)*\.(m3u8|m4s|mp4|vtt|srt|jpg)$|^[A-Za-z0-9_-]+\.m3u8$"
)
_ERRORS = error_responses(403, 404, 422)


@router.get(
    "/v1/playback/{asset_id}/{path:path}",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/vnd.apple.mpegurl": {}, "video/mp4": {}}}, **_ERRORS},
)
def playback(
    request: Request,
    session: DbSession,
    asset_id: Id,
    path: str,
    token: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """A playlist (its URIs signed with the same token) or a segment of the asset's published ladder."""
    runtime: Runtime = request.app.state.runtime
    require_token(runtime.settings, asset_id, token, "playback")
    if ".." in path or not _MEDIA_PATH.match(path):
        raise NotFound("no such playback file")
    if path.startswith("subtitles/"):
        return _subtitles(session, runtime, asset_id, path.removeprefix("subtitles/"), token)
    prefix = published_prefix(session, asset_id)
    key = f"{prefix}/{path}" if prefix else None
    size = stored_size(runtime.store, key, "no such playback file")
    assert key is not None
    if path.endswith(".m3u8"):
        text = runtime.store.get_bytes(key).decode()
        if path == "master.m3u8":
            text = with_subtitle_renditions(text, tracks_of(session, asset_id))
        else:
            text = with_product_dateranges(text, products_of(session, asset_id))
        return signed_playlist(text, token)
    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return whole_file(runtime.store, key, size, media_type)


def _subtitles(session: Session, runtime: Runtime, asset_id: str, name: str, token: str) -> Response:
    """A track as an HLS subtitle rendition (`<lang>.m3u8` over one `<lang>.vtt` segment) or as a
    file (`<lang>.vtt`, `<lang>.srt`)."""
    language, _, extension = name.partition(".")
    track = session.get(SubtitleTrack, (asset_id, language))
    found = source_of(session, asset_id)
    if track is None or found is None or extension not in ("m3u8", "vtt", "srt"):
        raise NotFound("no such subtitles")
    headers = {"Cache-Control": CACHE_PRIVATE}
    if extension == "m3u8":
        return signed_playlist(subtitle_playlist(language, float(found[1].duration_s)), token)
    text = runtime.store.get_bytes(track_key(track, extension)).decode()
    if extension == "vtt":
        return Response(with_timestamp_map(text), media_type="text/vtt; charset=utf-8", headers=headers)
    return Response(text, media_type="application/x-subrip; charset=utf-8", headers=headers)
